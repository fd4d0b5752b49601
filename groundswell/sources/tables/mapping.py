"""A mapping: which column of a table (CSV, TSV, NDJSON, Parquet) holds each field of a post.

Why a mapping rather than one more parser: every research tool writes its own table (twarc2
csv, 4CAT, minet, a spreadsheet made by hand), and the same facts sit under different
names, formats and encodings. A mapping says once, in a small TOML file the user can read
and edit, where each canonical field is; :mod:`.sql` compiles it into one DuckDB query, so
the rows are never looked at one by one in Python. ``docs/mappings.md`` is the reference;
the presets (``groundswell/sources/tables/presets/*.toml``) are mappings too.

A field is a column name (``text = "text"``), or a table with one of ``column`` (a column),
``columns`` (the first non-empty of several) or ``value`` (a constant), and the options its
kind of field takes (a time's ``format`` and ``timezone``, a list's ``split``, ``key`` and
``strip``, a flag's ``true`` values). ``kind`` is a post's kind from conditions on columns
(``[fields.kind] repost = { column = "is_retweet", equals = "True" }``); without one, a post
is a repost, reply or quote when it names what it reposts, replies to or quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIELDS", "Condition", "Field", "Mapping", "MappingError", "ReadOptions"]


class MappingError(ValueError):
    """A mapping that cannot be used, with what to change."""


#: The canonical fields, each with its kind of value. ``text``/``id``: a string as written;
#: ``time``: a moment (parsed by ``format``, in ``timezone``); ``list``: strings split from
#: one column; ``count``: a whole number; ``flag``: true or false.
FIELDS: dict[str, str] = {
    "platform": "id",
    "post_id": "id",
    "author_id": "id",
    "handle": "text",
    "display_name": "text",
    "created_at": "time",
    "text": "text",
    "lang": "text",
    "reply_to_post_id": "id",
    "reply_to_author_id": "id",
    "repost_of_post_id": "id",
    "quote_of_post_id": "id",
    "conversation_id": "id",
    "hashtags": "list",
    "mentions": "list",
    "followers": "count",
    "verified": "flag",
    "author_created_at": "time",
}
#: What each kind of field accepts beside column/columns/value.
_OPTIONS = {
    "id": {"prefix"},
    "text": {"split", "key"},  # split: the column is a list, the field its first item
    "time": {"format", "timezone"},
    "list": {"split", "key", "strip"},
    "count": set(),
    "flag": {"true"},
}
#: Options every field takes: ``null``, the values that mean "nothing" (``N/A``, ``-``).
_COMMON = {"null"}
SPLITS = ("json", "python", "whitespace")  # or any separator string, e.g. "," or "|"
FORMATS = ("csv", "tsv", "ndjson", "parquet")
#: The values a flag column is true for (compared case-insensitively), unless ``true`` says.
TRUE_VALUES = ("true", "t", "yes", "y", "1")
_READ_OPTIONS = {"format", "delimiter", "quote", "escape", "header", "encoding", "skip"}
_ENCODINGS = ("utf-8", "utf-16", "latin-1")
_KINDS = ("repost", "reply", "quote")  # conditions, in KINDS' priority (a repost first)


@dataclass(frozen=True)
class Field:
    """Where one canonical field comes from, and how its text is read."""

    name: str
    columns: tuple[str, ...] = ()  # the first non-empty of these
    value: str | int | bool | None = None  # or a constant
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return FIELDS[self.name]


@dataclass(frozen=True)
class Condition:
    """A post is of a kind when ``column`` is one of ``equals`` (case-insensitive), or, with
    ``present``, when it is not empty."""

    column: str
    equals: tuple[str, ...] = ()
    present: bool = False


@dataclass(frozen=True)
class ReadOptions:
    """How to read the file; what is None is detected (``format`` from the file's name)."""

    format: str | None = None
    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    header: bool | None = None
    encoding: str | None = None
    skip: int = 0  # lines before the header (a title, notes)

    def merged(self, other: ReadOptions) -> ReadOptions:
        """These options, with ``other``'s where ``other`` says something (the command line
        over the mapping file)."""
        given = {k: v for k, v in vars(other).items() if v is not None and not (k == "skip"
                                                                             and v == 0)}
        return ReadOptions(**{**vars(self), **given})


@dataclass(frozen=True)
class Mapping:
    """A table's columns → the canonical fields (see the module)."""

    fields: dict[str, Field]
    kind: dict[str, Condition] = field(default_factory=dict)
    kind_column: str | None = None  # or a column that names the kind …
    kind_values: dict[str, str] = field(default_factory=dict)  # … with its values' meanings
    read: ReadOptions = ReadOptions()
    name: str = "mapping"

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str = "mapping") -> Mapping:
        unknown = set(data) - {"read", "fields"}
        if unknown:
            raise MappingError(f"unknown section {', '.join(sorted(unknown))} "
                               "(a mapping has [read] and [fields])")
        fields_data = dict(data.get("fields") or {})
        kind_data = fields_data.pop("kind", None)
        fields = {}
        for key, spec in fields_data.items():
            if key not in FIELDS:
                raise MappingError(f"[fields] {key}: not a field; the fields are "
                                   f"{', '.join(FIELDS)} and kind")
            fields[key] = _field(key, spec)
        for required in ("created_at",):
            if required not in fields:
                raise MappingError(f"[fields] {required} is required (which column holds "
                                   "the time a post was made?)")
        if "text" not in fields and "post_id" not in fields:
            raise MappingError("[fields] needs text or post_id (or both)")
        mapping = cls(fields=fields, read=_read(data.get("read") or {}), name=name,
                      **_kind(kind_data))
        return mapping

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads, each once, in order of the fields."""
        names = [c for f in self.fields.values() for c in f.columns]
        names += [c.column for c in self.kind.values()]
        names += [self.kind_column] if self.kind_column else []
        return tuple(dict.fromkeys(names))


def _field(name: str, spec: object) -> Field:
    if isinstance(spec, str):
        if not spec:
            raise MappingError(f"[fields] {name}: an empty column name")
        return Field(name, columns=(spec,))
    if not isinstance(spec, dict):
        raise MappingError(f"[fields] {name}: expected a column name or a table "
                           f"(column = …, columns = […] or value = …), not {spec!r}")
    kind = FIELDS[name]
    allowed = {"column", "columns", "value"} | _OPTIONS[kind] | _COMMON
    unknown = set(spec) - allowed
    if unknown:
        raise MappingError(f"[fields] {name}: unknown option {', '.join(sorted(unknown))} "
                           f"(a {kind} field takes {', '.join(sorted(allowed))})")
    sources = [k for k in ("column", "columns", "value") if k in spec]
    if len(sources) != 1:
        raise MappingError(f"[fields] {name}: give exactly one of column, columns, value")
    columns: tuple[str, ...] = ()
    if "column" in spec:
        columns = (_text(spec["column"], f"{name}.column"),)
    elif "columns" in spec:
        given = spec["columns"]
        if not isinstance(given, list) or not given:
            raise MappingError(f"[fields] {name}.columns: a list of column names")
        columns = tuple(_text(c, f"{name}.columns") for c in given)
    value = spec.get("value")
    if "value" in spec and not isinstance(value, str | int | bool):
        raise MappingError(f"[fields] {name}.value: a string, number or true/false")
    options = {k: v for k, v in spec.items() if k in _OPTIONS[kind] | _COMMON}
    _check_options(name, kind, options)
    return Field(name, columns=columns, value=value, options=options)


def _check_options(name: str, kind: str, options: dict[str, Any]) -> None:
    split = options.get("split")
    if split is not None and (not isinstance(split, str) or not split):
        raise MappingError(f"[fields] {name}.split: one of {', '.join(SPLITS)} or a "
                           "separator such as \",\"")
    if "key" in options and split != "json":
        raise MappingError(f"[fields] {name}.key: only with split = \"json\" (the key of "
                           "each object in the list)")
    for option in ("format", "timezone", "strip", "prefix", "key"):
        if option in options and not isinstance(options[option], str):
            raise MappingError(f"[fields] {name}.{option}: a string")
    null = options.get("null")
    if null is not None and not (isinstance(null, list) and all(isinstance(t, str)
                                                                 for t in null)):
        raise MappingError(f"[fields] {name}.null: a list of strings (values meaning none)")
    true = options.get("true")
    if true is not None and not (isinstance(true, list) and all(isinstance(t, str)
                                                                 for t in true)):
        raise MappingError(f"[fields] {name}.true: a list of strings")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MappingError(f"[fields] {where}: a column name (a non-empty string)")
    return value


def _kind(spec: object) -> dict[str, Any]:
    """``kind`` as conditions (``repost = {column, equals | present}``) or as a column
    naming the kind (``kind = {column = "type", values = {retweet = "repost"}}``)."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        return {"kind_column": spec}
    if not isinstance(spec, dict):
        raise MappingError("[fields] kind: a table of conditions (repost = …, reply = …, "
                           "quote = …) or {column = …, values = {…}}")
    if "column" in spec:
        values = spec.get("values") or {}
        if set(spec) - {"column", "values"} or not isinstance(values, dict):
            raise MappingError("[fields] kind: column = …, values = {written = kind, …}")
        bad = {v for v in values.values() if v not in ("original", *_KINDS)}
        if bad:
            raise MappingError(f"[fields] kind.values: {', '.join(map(str, bad))} is not a kind "
                               "(original, reply, quote, repost)")
        return {"kind_column": _text(spec["column"], "kind.column"),
                "kind_values": {str(k): v for k, v in values.items()}}
    conditions = {}
    for kind, cond in spec.items():
        if kind not in _KINDS:
            raise MappingError(f"[fields] kind.{kind}: the conditions are repost, reply, quote")
        if not isinstance(cond, dict) or "column" not in cond \
                or set(cond) - {"column", "equals", "present"}:
            raise MappingError(f"[fields] kind.{kind}: {{column = …, equals = … | present = "
                               "true}")
        equals = cond.get("equals", ())
        equals = (equals,) if isinstance(equals, str | int | bool) else tuple(equals)
        if not equals and not cond.get("present"):
            raise MappingError(f"[fields] kind.{kind}: give equals = … or present = true")
        conditions[kind] = Condition(_text(cond["column"], f"kind.{kind}.column"),
                                     tuple(str(e) for e in equals), bool(cond.get("present")))
    return {"kind": conditions}


def _read(spec: dict[str, Any]) -> ReadOptions:
    unknown = set(spec) - _READ_OPTIONS
    if unknown:
        raise MappingError(f"[read] unknown option {', '.join(sorted(unknown))} "
                           f"(known: {', '.join(sorted(_READ_OPTIONS))})")
    fmt = spec.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MappingError(f"[read] format: one of {', '.join(FORMATS)}")
    encoding = spec.get("encoding")
    if encoding is not None and normalise_encoding(encoding) is None:
        raise MappingError(f"[read] encoding: one of {', '.join(_ENCODINGS)}")
    for option in ("delimiter", "quote", "escape"):
        if option in spec and (not isinstance(spec[option], str) or len(spec[option]) != 1):
            raise MappingError(f"[read] {option}: one character")
    if "header" in spec and not isinstance(spec["header"], bool):
        raise MappingError("[read] header: true or false")
    skip = spec.get("skip", 0)
    if not isinstance(skip, int) or skip < 0:
        raise MappingError("[read] skip: a number of lines (0 or more)")
    return ReadOptions(fmt, spec.get("delimiter"), spec.get("quote"), spec.get("escape"),
                       spec.get("header"),
                       normalise_encoding(encoding) if encoding else None, skip)


def normalise_encoding(name: str) -> str | None:
    """``UTF8``, ``utf_8``, ``Latin1``, ``iso-8859-1`` … → the name DuckDB reads, or None."""
    key = name.lower().replace("_", "-")
    return {"utf-8": "utf-8", "utf8": "utf-8", "utf-16": "utf-16", "utf16": "utf-16",
            "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1"}.get(key)
