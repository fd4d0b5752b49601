"""A mapping → the SQL expressions DuckDB evaluates for every row of a table.

Why SQL: a table of a million rows is read by DuckDB's own readers on every core, and each
field is computed for all rows at once; Python sees only batches of finished columns. Every
value is read as text (``all_varchar``), so a column that is a number in one row and empty
or garbage in another never stops the reader; what cannot be parsed is NULL, and
:func:`problem` names the first field of the row that was given but could not be read,
which sends the row to the quarantine with that reason.
"""

from __future__ import annotations

from groundswell.sources.tables.mapping import FIELDS, TRUE_VALUES, Field, Mapping

__all__ = ["column_ref", "literal", "table_query"]


def literal(value: object) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def column_ref(name: str, nested: bool) -> str:
    """A column of the source, as text with empty strings as NULL. ``nested`` (NDJSON): the
    name is a dotted path into the line's JSON object (``author.username``)."""
    if nested:
        path = "$" + "".join('."' + part.replace('"', '\\"') + '"' for part in name.split("."))
        raw = f"(json ->> {literal(path)})"
    else:
        raw = '"' + name.replace('"', '""') + '"'
    return f"nullif(trim(CAST({raw} AS VARCHAR)), '')"


def _source(field: Field, nested: bool) -> str:
    """The field's text: the constant, or the first of its columns not empty (nor one of
    its ``null`` values)."""
    if field.value is not None:
        return literal(field.value)
    refs = [column_ref(c, nested) for c in field.columns]
    null = field.options.get("null")
    if null:
        values = ", ".join(literal(v) for v in null)
        refs = [f"CASE WHEN {ref} IN ({values}) THEN NULL ELSE {ref} END" for ref in refs]
    return refs[0] if len(refs) == 1 else f"coalesce({', '.join(refs)})"


#: Times outside these years are no post's (a client's clock at zero, year 0): such a
#: value is refused like an unreadable one, as Python cannot even hold some of them.
YEARS = (1990, 2100)


def _in_years(moment: str) -> str:
    """``moment`` (a column holding a computed time), NULL outside :data:`YEARS`."""
    return (f"CASE WHEN {moment} >= TIMESTAMP '{YEARS[0]}-01-01' AND "
            f"{moment} < TIMESTAMP '{YEARS[1]}-01-01' THEN {moment} END")


def _moment(text: str, field: Field) -> str:
    """A moment as naive UTC. ``format``: ``iso`` (the default: ISO 8601 / RFC 3339, with
    or without an offset), ``unix`` or ``unix_ms`` (seconds or milliseconds since 1970), or
    a strftime pattern (``%a %b %d %H:%M:%S %z %Y``). A value without an offset is in
    ``timezone`` (default UTC)."""
    fmt = field.options.get("format", "iso")
    zone = field.options.get("timezone", "UTC")
    if fmt == "unix":
        return f"CAST(to_timestamp(TRY_CAST({text} AS DOUBLE)) AT TIME ZONE 'UTC' AS TIMESTAMP)"
    if fmt == "unix_ms":
        return (f"CAST(to_timestamp(TRY_CAST({text} AS DOUBLE) / 1000) AT TIME ZONE 'UTC' "
                "AS TIMESTAMP)")
    if fmt == "iso" and zone.upper() == "UTC":  # the reader's session is in UTC, so a
        # value without an offset is read as UTC and one with an offset as it says
        return f"CAST(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)"
    if fmt == "iso":
        # an explicit offset (Z, +02:00) is honoured; a naive value is in ``zone``
        with_offset = f"regexp_matches({text}, '(Z|z|[+-]\\d\\d:?\\d\\d)$')"
        aware = f"TRY_CAST({text} AS TIMESTAMPTZ)"
        naive = f"TRY_CAST({text} AS TIMESTAMP)"
    else:
        has_zone = "%z" in fmt or "%Z" in fmt
        with_offset = "true" if has_zone else "false"
        aware = f"try_strptime({text}, {literal(fmt)})" if has_zone else "NULL::TIMESTAMPTZ"
        naive = "NULL::TIMESTAMP" if has_zone else f"try_strptime({text}, {literal(fmt)})"
    return (f"CASE WHEN {with_offset} THEN CAST({aware} AT TIME ZONE 'UTC' AS TIMESTAMP) "
            f"ELSE CAST(timezone({literal(zone)}, {naive}) AT TIME ZONE 'UTC' AS TIMESTAMP) END")


def _list(text: str, field: Field) -> str:
    """A list of strings from one text value, each stripped of ``strip``'s characters and
    surrounding space, empty items dropped. ``split``: ``json`` (a JSON list of strings, or
    of objects whose ``key`` is taken), ``python`` (a Python list as ``str(list)`` writes
    it), ``whitespace``, or any separator (default ``,``)."""
    split = field.options.get("split", ",")
    strip = field.options.get("strip", {"hashtags": "#", "mentions": "@"}.get(field.name, ""))
    if split == "json":
        path = "$[*]" + _key_path(field.options.get("key"))
        items = f"CASE WHEN json_valid({text}) THEN json_extract_string({text}, " \
                f"{literal(path)}) END"
    elif split == "python":
        items = f"regexp_extract_all({text}, '''((?:[^''\\\\]|\\\\.)*)''|\"((?:[^\"\\\\]|" \
                f"\\\\.)*)\"', 0)"
        items = f"list_transform({items}, lambda s: s[2:-2])"
    elif split == "whitespace":
        items = f"regexp_split_to_array({text}, '\\s+')"
    else:
        items = f"string_split({text}, {literal(split)})"
    cleaned = f"list_transform({items}, lambda s: trim(ltrim(trim(s), {literal(strip)})))" \
        if strip else f"list_transform({items}, lambda s: trim(s))"
    return f"list_filter({cleaned}, lambda s: s IS NOT NULL AND s <> '')"


def _key_path(key: str | None) -> str:
    """A list item's ``key`` as the rest of a JSON path: ``tag`` → ``."tag"``;
    ``features[*].tag`` (a list in each item, as in Bluesky's facets) → ``."features"[*]."tag"``."""
    if not key:
        return ""
    path = ""
    for part in key.split("."):
        name, star = (part[:-3], "[*]") if part.endswith("[*]") else (part, "")
        path += '."' + name.replace('"', '\\"') + '"' + star
    return path


def _flag(text: str, field: Field) -> str:
    true = [t.lower() for t in field.options.get("true", TRUE_VALUES)]
    return f"CASE WHEN {text} IS NULL THEN NULL ELSE lower({text}) IN " \
           f"({', '.join(map(literal, true))}) END"


def _value(field: Field, nested: bool) -> str:
    text = _source(field, nested)
    kind = field.kind
    if kind == "time":
        return _moment(text, field)
    if kind == "list":
        return _list(text, field)
    if kind == "count":
        return f"TRY_CAST(TRY_CAST({text} AS DOUBLE) AS BIGINT)"
    if kind == "flag":
        return _flag(text, field)
    if "split" in field.options:  # a list written in one column: its first item
        text = f"{_list(text, field)}[1]"
    prefix = field.options.get("prefix")
    return f"({literal(prefix)} || {text})" if prefix else text


def _problem(field: Field, value: str, given: str) -> str | None:
    """A reason when the field was given (the column ``given`` holds its text) but its value
    (the column ``value``) could not be read."""
    if field.value is not None or field.kind in ("id", "text"):
        return None
    what = {"time": f"not a time between {YEARS[0]} and {YEARS[1]}", "list": "not a list",
            "count": "not a number", "flag": "not true or false"}[field.kind]
    how = ""
    if field.kind == "time":
        how = f" (format {field.options.get('format', 'iso')})"
    elif field.kind == "list" and field.options.get("split") == "json":
        how = " (a JSON list)"
    columns = "/".join(field.columns)
    reason = f"{field.name}: column {columns} is {what}{how}: "
    return (f"CASE WHEN {given} IS NOT NULL AND {value} IS NULL THEN "
            f"{literal(reason)} || left({given}, 80) END")


def _kind(mapping: Mapping, ref: dict[str, str], targets: dict[str, str]) -> str:
    """The post's kind: the mapping's conditions (a repost first, as a repost of a reply is
    a repost), else the kind column's values, else what the post names (reposts, replies
    to, quotes), else original."""
    whens = []
    for kind in ("repost", "reply", "quote"):
        cond = mapping.kind.get(kind)
        if cond is None:
            continue
        column = ref[cond.column]
        if cond.present:
            whens.append(f"WHEN {column} IS NOT NULL THEN '{kind}'")
        else:
            values = ", ".join(literal(v.lower()) for v in cond.equals)
            whens.append(f"WHEN lower({column}) IN ({values}) THEN '{kind}'")
    if mapping.kind_column:
        column = ref[mapping.kind_column]
        for written, kind in mapping.kind_values.items():
            whens.append(f"WHEN lower({column}) = {literal(written.lower())} THEN '{kind}'")
        whens.append(f"WHEN lower({column}) IN ('original', 'reply', 'quote', 'repost') "
                     f"THEN lower({column})")
    for kind, target in (("repost", "repost_of_post_id"), ("reply", "reply_to_post_id"),
                         ("quote", "quote_of_post_id")):
        if target in targets:
            whens.append(f"WHEN {targets[target]} IS NOT NULL THEN '{kind}'")
    return f"CASE {' '.join(whens)} ELSE 'original' END" if whens else "'original'"


def table_query(mapping: Mapping, source: str, nested: bool, platform: str | None,
                row_id: str, excerpt: int) -> str:
    """The query that reads ``source`` through ``mapping``: every canonical field (NULL
    where the mapping has none), ``kind``, ``problem`` (why the row cannot be stored, or
    NULL) and, for rows with a problem, an ``excerpt`` of the columns the mapping reads.

    Three levels, so that each expression is computed once per row: the columns' texts and
    the fields' values; then the checks on them (times outside :data:`YEARS`, the problems,
    the kind); then the id of a row without one (``row_id``, over the canonical columns) and
    the excerpt, built only for rows that have a problem. ``platform`` is the platform when
    the mapping names none.
    """
    columns = {c: f"c{i}" for i, c in enumerate(mapping.columns)}
    inner = [f"{column_ref(c, nested)} AS {alias}" for c, alias in columns.items()]
    inner.append("line AS raw_line" if nested else "NULL AS raw_line")
    values: dict[str, str] = {}
    problems: list[str] = []
    for name, field in mapping.fields.items():
        inner.append(f"{_value(field, nested)} AS v_{name}")
        values[name] = f"v_{name}" if field.kind != "time" else _in_years(f"v_{name}")
        problem = _problem(field, values[name], f"s_{name}")
        if problem or name == "created_at":  # a check reads the text as written
            inner.append(f"{_source(field, nested)} AS s_{name}")
        if problem:
            problems.append(problem)
    if nested:
        inner.append("json IS NULL AS not_json")
    middle = []
    for name, kind in _FIELD_TYPES.items():
        expr = values.get(name)
        if name == "platform" and expr is None:
            expr = literal(platform) if platform else None
        middle.append(f"CAST({expr or 'NULL'} AS {kind}) AS {name}")
    middle.append(f"{_kind(mapping, columns, values)} AS kind")
    missing = ["CASE WHEN not_json THEN 'not a JSON object' END"] if nested else []
    if "created_at" in values:
        missing.append("CASE WHEN v_created_at IS NULL AND s_created_at IS NULL "
                       "THEN 'no created_at' END")
    if "platform" not in values and not platform:
        missing.append("'no platform (give platform in the mapping or --platform)'")
    text = values.get("text", "NULL")
    post_id = values.get("post_id", "NULL")
    missing.append(f"CASE WHEN {text} IS NULL AND {post_id} IS NULL "
                   "THEN 'neither text nor post id' END")
    middle.append(f"coalesce({', '.join(missing + problems)}) AS problem")
    middle += [*columns.values(), "raw_line"]
    shown = "raw_line" if nested else \
        f"concat_ws(' | ', {', '.join(columns.values()) or 'NULL'})"
    return f"""
        SELECT * EXCLUDE ({', '.join(["post_id", "raw_line", *columns.values()])}),
               coalesce(post_id, {row_id}) AS post_id,
               CASE WHEN problem IS NOT NULL THEN left({shown}, {excerpt}) END AS excerpt
        FROM (SELECT {', '.join(middle)}
              FROM (SELECT {', '.join(inner)} FROM {source}))"""


#: Every canonical field with its SQL type, in the order the reader's rows have them.
_FIELD_TYPES = {
    "platform": "VARCHAR", "post_id": "VARCHAR", "author_id": "VARCHAR", "handle": "VARCHAR",
    "display_name": "VARCHAR", "created_at": "TIMESTAMP", "text": "VARCHAR",
    "lang": "VARCHAR", "reply_to_post_id": "VARCHAR", "reply_to_author_id": "VARCHAR",
    "repost_of_post_id": "VARCHAR", "quote_of_post_id": "VARCHAR",
    "conversation_id": "VARCHAR", "hashtags": "VARCHAR[]", "mentions": "VARCHAR[]",
    "followers": "BIGINT", "verified": "BOOLEAN", "author_created_at": "TIMESTAMP",
}
assert set(_FIELD_TYPES) == set(FIELDS), "the mapping's fields and the reader's out of step"
