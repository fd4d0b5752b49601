"""Campaign definitions: what counts as taking part, read from a small TOML file.

Why a file: a campaign's boundaries (its tag and variants, the phrase people replied with, the
call-to-action post, the window) are research decisions that should be written down, versioned
and shared, not retyped as CLI flags. Errors name the line and the field, since the people who
write these files are often not programmers.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundswell.text import normal_handle, normalize_tag


class CampaignError(ValueError):
    """An invalid campaign file; the message names the file, line and field."""


@dataclass(frozen=True)
class Variant:
    tag: str
    lang: str | None = None


@dataclass(frozen=True)
class Campaign:
    name: str
    main_tag: str
    variants: tuple[Variant, ...] = ()
    response_tags: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    phrases_only_in_replies_to_origin: bool = True
    #: The call(s) to action as ``(platform, post id)``: one or more per platform the campaign
    #: ran on (a post id is unique only within its platform).
    origins: tuple[tuple[str, str], ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    public_figure_followers: int = 100_000
    public_figure_verified: bool = True
    #: Accounts the campaign file declares public (``[public_figures] handles``), as the
    #: policy compares them (no ``@``, lower case).
    public_handles: tuple[str, ...] = ()
    #: ``[privacy]``: the smallest group a published count may describe, the campaign's
    #: differential-privacy budget and the ε of one release (groundswell.policy).
    privacy_k: int = 10
    privacy_budget: float = 3.0
    privacy_epsilon: float = 1.0
    #: ``[roles]`` as written (JSON text, so that a campaign stays hashable): the role set's
    #: changes and the model to classify with (groundswell.roles; docs/roles.md)
    roles_config: str | None = None
    source: str | None = field(default=None, compare=False)

    @property
    def origin_post_ids(self) -> tuple[str, ...]:
        """The origin posts' ids, every platform's (their forms never collide: Twitter's are
        numbers, Bluesky's ``at://`` URIs, Mastodon's ``https://`` URIs)."""
        return tuple(dict.fromkeys(post_id for _, post_id in self.origins))

    def origins_on(self, platform: str) -> tuple[str, ...]:
        """The origin posts' ids on one platform."""
        return tuple(post_id for p, post_id in self.origins if p == platform)

    @property
    def tags(self) -> tuple[str, ...]:
        """Tags that make a post part of the campaign: the main tag and its variants."""
        return (self.main_tag, *(v.tag for v in self.variants))

    @classmethod
    def from_tags(cls, tags: list[str] | tuple[str, ...]) -> Campaign:
        """An ad-hoc campaign from ``--tag`` options: the first is main, others variants."""
        normalized = [normalize_tag(t) for t in tags if normalize_tag(t)]
        if not normalized:
            raise CampaignError("a campaign needs at least one tag")
        return cls(name=f"#{normalized[0]}", main_tag=normalized[0],
                   variants=tuple(Variant(t) for t in dict.fromkeys(normalized[1:])))

    @classmethod
    def load(cls, path: str | Path) -> Campaign:
        path = Path(path)
        if not path.is_file():
            raise CampaignError(f"no campaign file at {path} (create one: groundswell "
                                "campaign init NAME)")
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CampaignError(f"{path}: not valid TOML: {exc}") from None
        return _Parser(path, text).campaign(data)


#: Platforms whose origin posts a campaign file may list by name (``[origin] bluesky = [...]``).
PLATFORMS = ("twitter", "bluesky", "mastodon")

#: Every field a campaign file may have, per section (a typo is an error, not a silent no-op).
FIELDS: dict[str, set[str]] = {
    "": {"name", "tags", "phrases", "origin", "window", "public_figures", "roles",
         "privacy"},
    "tags": {"main", "variants", "response"},
    "tags.variants": {"tag", "lang"},
    "phrases": {"match", "only_in_replies_to_origin"},
    "origin": {"platform", "post_ids", *PLATFORMS},
    "window": {"start", "end"},
    "public_figures": {"min_followers", "verified", "handles"},
    "privacy": {"min_cell", "budget", "epsilon"},
    "roles": {"rename", "merge", "add", "phrases", "disclosure", "model"},
}


class _Parser:
    """Validates the decoded TOML, pointing at the line a bad field is on."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def fail(self, dotted: str, message: str, occurrence: int = 0) -> CampaignError:
        line = self._line_of(dotted, occurrence)
        parent = dotted
        while line is None and "." in parent:  # a missing field: point at its section
            parent = parent.rpartition(".")[0]
            line = self._line_of(parent, occurrence)
        where = f"{self.path}:{line}" if line else str(self.path)
        return CampaignError(f"{where}: field '{dotted}': {message}")

    def _line_of(self, dotted: str, occurrence: int = 0) -> int | None:
        """The line defining ``dotted`` (``a.b.c``): as ``c = `` inside ``[a.b]`` (the
        ``occurrence``-th ``[[a.b]]`` for arrays of tables), as ``b.c = `` inside ``[a]``,
        as a dotted key at the top, or as a ``[a.b.c]`` header."""
        header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
        current, seen = "", -1
        for number, line in enumerate(self.lines, 1):
            match = header.match(line)
            if match:
                current = match.group(1)
                if current == dotted:
                    return number
                if current == dotted.rpartition(".")[0]:
                    seen += 1
                continue
            key = re.match(r"^\s*([A-Za-z0-9_.\-\"]+?)\s*=", line)
            if not key:
                continue
            full = f"{current}.{key.group(1)}" if current else key.group(1)
            if full.replace('"', "") == dotted and (seen == occurrence or seen < 0
                                                    or current != dotted.rpartition(".")[0]):
                return number
        return None

    def check_fields(self, data: dict, section: str = "", occurrence: int = 0) -> None:
        known = FIELDS[section]
        for key, value in data.items():
            dotted = f"{section}.{key}" if section else key
            if key not in known:
                raise self.fail(dotted, f"unknown field (known here: {', '.join(sorted(known))})",
                                occurrence)
            if dotted in FIELDS and dotted != "tags.variants":
                if not isinstance(value, dict):
                    raise self.fail(dotted, f"expected a [{dotted}] section, got "
                                            f"{type(value).__name__} {value!r}")
                self.check_fields(value, dotted)
        for i, variant in enumerate(data.get("variants", []) if section == "tags" else []):
            if not isinstance(variant, dict):
                raise self.fail("tags.variants", "expected [[tags.variants]] sections")
            self.check_fields(variant, "tags.variants", i)

    def get(self, data: dict, dotted: str, kind: type | tuple[type, ...], default: Any = None):
        node: Any = data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__
                                                                           for k in kind)
            raise self.fail(dotted, f"expected {names}, got {type(node).__name__} {node!r}")
        return node

    def tag(self, dotted: str, value: Any, occurrence: int = 0) -> str:
        tag = normalize_tag(value) if isinstance(value, str) else ""
        if not tag or any(ch.isspace() for ch in tag):
            raise self.fail(dotted, f"expected a hashtag without spaces, got {value!r}",
                            occurrence)
        return tag

    def strings(self, data: dict, dotted: str) -> list[str]:
        values = self.get(data, dotted, list, [])
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise self.fail(dotted, "expected a list of non-empty strings")
        return values

    def time(self, data: dict, dotted: str) -> datetime | None:
        value = self.get(data, dotted, datetime)
        if value is None:
            return None
        if value.tzinfo is None:
            raise self.fail(dotted, "give a time zone, e.g. 2017-10-15T00:00:00Z")
        return value.astimezone(UTC).replace(tzinfo=None)

    def origins(self, data: dict) -> tuple[tuple[str, str], ...]:
        """``[origin]``: ``platform`` and ``post_ids`` (one platform, Twitter by default),
        and/or a list per platform (``bluesky = ["at://..."]``)."""
        platform = self.get(data, "origin.platform", str, "twitter")
        if platform not in PLATFORMS:
            raise self.fail("origin.platform", f"expected one of {', '.join(PLATFORMS)}, "
                                               f"got {platform!r}")
        found = [(platform, i.strip()) for i in self.strings(data, "origin.post_ids")]
        for name in PLATFORMS:
            found += [(name, i.strip()) for i in self.strings(data, f"origin.{name}")]
        return tuple(dict.fromkeys(found))

    def roles(self, data: dict) -> str | None:
        """``[roles]`` as JSON, checked (a role set that cannot be built fails here, with the
        file's line), its ``model`` path made absolute from the campaign file's folder."""
        from groundswell.roles.sets import RoleSet, RoleSetError

        section = data.get("roles")
        if section is None:
            return None
        section = dict(section)
        model = section.get("model")
        if model is not None:
            if not isinstance(model, str) or not model:
                raise self.fail("roles.model", "the path of a model (groundswell roles train)")
            section["model"] = str((self.path.parent / model).resolve())
        try:
            RoleSet.from_config(section)
        except RoleSetError as exc:
            raise self.fail("roles", str(exc)) from None
        return json.dumps(section, sort_keys=True, ensure_ascii=False)

    def campaign(self, data: dict) -> Campaign:
        self.check_fields(data)
        name = self.get(data, "name", str)
        if not name:
            raise self.fail("name", "a campaign needs a name")
        main = self.get(data, "tags.main", str)
        if main is None:
            raise self.fail("tags.main", "a campaign needs a main tag: [tags] main = \"...\"")
        variants = []
        for i, item in enumerate(self.get(data, "tags.variants", list, [])):
            if "tag" not in item:
                raise self.fail("tags.variants", f"variant {i + 1} needs a tag", i)
            lang = item.get("lang")
            if lang is not None and not isinstance(lang, str):
                raise self.fail("tags.variants.lang", f"expected a language code, got {lang!r}",
                                i)
            variants.append(Variant(self.tag("tags.variants.tag", item["tag"], i), lang))
        start, end = self.time(data, "window.start"), self.time(data, "window.end")
        if start and end and end <= start:
            raise self.fail("window.end", "the window ends before it starts")
        followers = self.get(data, "public_figures.min_followers", int, 100_000)
        if followers < 0:
            raise self.fail("public_figures.min_followers", "must be 0 or more")
        return Campaign(
            name=name,
            main_tag=self.tag("tags.main", main),
            variants=tuple(variants),
            response_tags=tuple(self.tag("tags.response", t)
                                for t in self.strings(data, "tags.response")),
            phrases=tuple(p.strip().lower() for p in self.strings(data, "phrases.match")),
            phrases_only_in_replies_to_origin=self.get(
                data, "phrases.only_in_replies_to_origin", bool, True),
            origins=self.origins(data),
            start=start,
            end=end,
            public_figure_followers=followers,
            public_figure_verified=self.get(data, "public_figures.verified", bool, True),
            public_handles=tuple(dict.fromkeys(
                normal_handle(h) for h in self.strings(data, "public_figures.handles")
                if normal_handle(h))),
            **_privacy_fields(self, data),
            roles_config=self.roles(data),
            source=str(self.path),
        )


def _privacy_fields(parser: _Parser, data: dict) -> dict:
    """``[privacy]``: min_cell (k, at least 1), budget and epsilon (ε, positive, epsilon at
    most the budget)."""
    k = parser.get(data, "privacy.min_cell", int, 10)
    if k < 1:
        raise parser.fail("privacy.min_cell", "must be 1 or more (1 turns suppression off)")
    budget = float(parser.get(data, "privacy.budget", (int, float), 3.0))
    epsilon = float(parser.get(data, "privacy.epsilon", (int, float), 1.0))
    if budget <= 0:
        raise parser.fail("privacy.budget", "must be a positive ε")
    if not 0 < epsilon <= budget:
        raise parser.fail("privacy.epsilon", f"must be positive and at most the budget ({budget})")
    return {"privacy_k": k, "privacy_budget": budget, "privacy_epsilon": epsilon}


def example(name: str) -> str:
    """The commented example behind ``groundswell campaign init NAME``."""
    template = (Path(__file__).parent / "campaign_example.toml").read_text(encoding="utf-8")
    tag = "".join(ch for ch in normalize_tag(name) if ch.isalnum() or ch == "_") or "campaign"
    quoted = json.dumps(name, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    return (template.replace('name = "MeToo"', f"name = {quoted}")
            .replace('main = "metoo"', f'main = "{tag}"'))
