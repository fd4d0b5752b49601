"""The published-safe bundle: only what may leave the owner's machine.

Why a bundle: a report made for the owner may be shown on their screen; what is published
(attached to a paper, sent to a journalist, put on a website) must hold nothing that points at
one of the people who disclosed. ``groundswell share`` writes, into one folder:

* ``dp.json`` and ``dp.csv``: the differentially private magnitude numbers, with their ε and
  95 % error (:mod:`groundswell.privacy.dp`; the release is recorded in the store's ledger);
* ``tables/*.csv`` and ``report.json``: every metric's tables under the campaign's policy —
  public figures named, everyone else a keyed pseudonym, counts of fewer than k people shown as
  ``"<k"`` and protected against subtraction (:mod:`groundswell.metrics.suppress`);
* ``report.html``: the HTML report under the same policy, with its notice;
* ``README.md``: what the bundle holds, ε, k, and what was left out.

Never in a bundle: raw posts, texts or handles of private accounts, the quarantine, the
pseudonym key, the store, a Parquet export, anything made with ``--reveal``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundswell.policy import Policy

#: What a bundle never holds, for its README.
LEFT_OUT = (
    "the posts themselves, and any text, handle, id or profile field of a private account",
    "the quarantine (raw lines of input that could not be read)",
    "the store, any Parquet export, and the pseudonym key",
    "tags used by fewer than k accounts, and every count describing fewer than k people",
)


def write_bundle(out_dir: Path, *, shown: Mapping[str, Any], frames: Mapping[str, Any],
                 released: Mapping[str, Any], policy: Policy, campaign_name: str,
                 write_html: Callable[[Path], Path], version: str) -> dict[str, Any]:
    """Write the bundle into ``out_dir`` (new or empty; written beside it, then moved into
    place, so a failure leaves no half bundle); returns what was written."""
    if policy.reveal:
        raise ValueError("a share bundle is never revealed: drop --reveal")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} exists and is not an empty folder; choose a new one")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        written = _write(staging, shown, frames, released, policy, campaign_name, write_html,
                         version)
        if out_dir.exists():
            out_dir.rmdir()
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {**written, "folder": str(out_dir)}


def _write(folder: Path, shown, frames, released, policy: Policy, name: str, write_html,
           version: str) -> dict[str, Any]:
    (folder / "dp.json").write_text(json.dumps(released, indent=2, default=str) + "\n",
                                    encoding="utf-8")
    _dp_csv(folder / "dp.csv", released)
    (folder / "report.json").write_text(
        json.dumps({**shown, "privacy": policy.header()}, indent=2, default=str) + "\n",
        encoding="utf-8")
    tables = folder / "tables"
    tables.mkdir()
    for key, frame in frames.items():
        frame.to_csv(tables / f"{key}.csv", index=False)
    write_html(folder / "report.html")
    suppressed = count_suppressed(shown, policy)
    (folder / "README.md").write_text(
        readme(name, released, policy, suppressed, sorted(frames), version), encoding="utf-8")
    return {"tables": len(frames), "suppressed_cells": suppressed,
            "epsilon": released.get("epsilon"), "files": sorted(
                str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())}


def _dp_csv(path: Path, released: Mapping[str, Any]) -> None:
    import csv

    rows = released.get("rows", [])
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)


def count_suppressed(value: Any, policy: Policy) -> int:
    """How many cells show ``"<k"``."""
    if isinstance(value, Mapping):
        return sum(count_suppressed(v, policy) for v in value.values())
    if isinstance(value, list):
        return sum(count_suppressed(v, policy) for v in value)
    return int(value == policy.shown_small)


def readme(name: str, released: Mapping[str, Any], policy: Policy, suppressed: int,
           tables: list[str], version: str) -> str:
    """The bundle's README: what it holds, the privacy parameters, what was left out."""
    epsilon = released.get("epsilon")
    spent, budget = released.get("spent_after"), released.get("budget")
    lines = [
        f"# {name}: a published-safe bundle",
        "",
        f"Written by Groundswell {version} on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Everything here may be published.",
        "",
        "## Privacy",
        "",
        f"- **Differential privacy**: `dp.json`/`dp.csv` were released with ε = {epsilon} "
        f"(the campaign has now spent {spent} of its budget of {budget}). Each number comes "
        "with its 95 % error; the unit of privacy is one account (docs/privacy.md).",
        f"- **Small cells**: k = {policy.k}. A count that describes fewer than {policy.k} "
        f"people is shown as `{policy.shown_small}`, and one more cell of each affected "
        "breakdown is hidden with it so that subtracting published totals cannot recover it; "
        f"{suppressed:,} cells are shown as `{policy.shown_small}` in this bundle.",
        f"- **Accounts**: {policy.notice()}",
        "",
        "## Left out",
        "",
        *(f"- {item}" for item in LEFT_OUT),
        "",
        "## Files",
        "",
        "- `README.md`: this file",
        "- `dp.json`, `dp.csv`: the differentially private numbers",
        "- `report.json`: every metric's results under the policy above",
        "- `report.html`: the report, with charts (works offline)",
        *(f"- `tables/{t}.csv`" for t in tables),
        "",
    ]
    return "\n".join(lines)
