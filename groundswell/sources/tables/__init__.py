"""Tables that research tools write (twarc2 csv, 4CAT, minet, spreadsheets, Parquet dumps):
the mapping language (:mod:`.mapping`), its SQL (:mod:`.sql`) and the presets. The files are
read by :mod:`groundswell.ingest.tables` (DuckDB's own readers).

Unlike the JSON sources, a table is not recognised line by line: the user says it is one
(``ingest --mapping FILE`` or ``--preset NAME``), because a CSV header says nothing about
which platform or tool wrote it. ``groundswell mapping guess`` proposes a mapping and names the
preset it recognises (:mod:`groundswell.ingest.tables.guess`).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from groundswell.sources.tables.mapping import Mapping, MappingError, ReadOptions

__all__ = ["Mapping", "MappingError", "ReadOptions", "load_mapping", "preset", "presets"]


def presets() -> list[str]:
    """The presets' names (``twarc-csv``, ``4cat-ndjson``, …), sorted."""
    folder = resources.files(__package__) / "presets"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def _preset_data(name: str) -> dict:
    if name not in presets():
        raise MappingError(f"no preset {name!r}; the presets are: {', '.join(presets())}")
    text = (resources.files(__package__) / "presets" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def preset(name: str) -> Mapping:
    """The preset mapping called ``name``; MappingError naming the presets otherwise."""
    return Mapping.from_dict(_preset_data(name), name=f"preset {name}")


def load_mapping(mapping: str | None = None, preset_name: str | None = None) -> Mapping:
    """The mapping a command names: a file (``--mapping``) or a preset (``--preset``). A
    mapping file may start from a preset (``preset = "twarc-csv"``) and change some of its
    fields or read options."""
    if (mapping is None) == (preset_name is None):
        raise MappingError("give a mapping file or a preset (not both)")
    if mapping is None:
        return preset(preset_name)
    path = Path(mapping)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not a valid TOML file: {exc}") from None
    try:
        if "preset" in data:
            base = _preset_data(str(data.pop("preset")))
            data = {section: {**base.get(section, {}), **data.get(section, {})}
                    for section in ("read", "fields")} | {
                k: v for k, v in data.items() if k not in ("read", "fields")}
        return Mapping.from_dict(data, name=path.name)
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from None
