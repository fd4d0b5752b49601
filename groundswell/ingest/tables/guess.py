"""``groundswell mapping guess FILE``: a mapping proposed from a table's header and first rows.

Why a guess and not silent auto-detection: a column called ``date`` may be local time or UTC,
``user`` a name or an id, and only the person who made the table knows. The guess names the
preset it recognises (every column a preset reads is in the file), or matches columns by the
names research tools and spreadsheets use, looks at the first rows to choose the time format
and how lists are written, and writes all of it as a commented TOML file to check and edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from groundswell.ingest.tables.reader import TableReader
from groundswell.sources.tables import preset, presets
from groundswell.sources.tables.mapping import Mapping

__all__ = ["Guess", "guess_mapping"]

#: For each field, the column names that usually hold it (compared without case, ``_``,
#: ``-``, spaces or dots), most specific first.
NAMES: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "tweet_id", "status_id", "id_str", "id", "uri", "url"),
    "author_id": ("author_id", "user_id", "author.id", "account_id", "did", "author",
                  "user", "username", "screen_name"),
    "handle": ("author.username", "user_screen_name", "screen_name", "username", "handle",
               "user_name", "author_handle"),
    "display_name": ("author.name", "user_name", "display_name", "name"),
    "created_at": ("created_at", "createdat", "timestamp_utc", "timestamp", "datetime",
                   "date", "time", "published", "posted_at"),
    "text": ("text", "full_text", "body", "content", "message", "tweet", "post"),
    "lang": ("lang", "language", "langs"),
    "reply_to_post_id": ("in_reply_to_status_id", "in_reply_to_id", "reply_to", "to_tweetid",
                         "referenced_tweets.replied_to.id", "reply_to_post_id"),
    "repost_of_post_id": ("retweeted_status_id", "retweeted_id", "repost_of",
                          "referenced_tweets.retweeted.id", "repost_of_post_id"),
    "quote_of_post_id": ("quoted_status_id", "quoted_id", "quote_of",
                         "referenced_tweets.quoted.id", "quote_of_post_id"),
    "conversation_id": ("conversation_id", "thread_id"),
    "hashtags": ("hashtags", "entities.hashtags", "tags"),
    "mentions": ("mentions", "mentioned_names", "entities.mentions", "user_mentions"),
    "followers": ("author.public_metrics.followers_count", "user_followers",
                  "followers_count", "followers"),
    "verified": ("author.verified", "user_verified", "verified"),
}
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.lower())


@dataclass
class Guess:
    """What was recognised: a preset's name, or the fields matched and why."""

    preset: str | None
    fields: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    format: str = "csv"

    def toml(self, path: Path) -> str:
        """The mapping as a TOML file with comments (what to check)."""
        if self.preset:
            return (f"# {path.name} looks like the preset {self.preset!r}: every column it "
                    f"reads is there.\n# Use it as is: groundswell ingest --preset "
                    f"{self.preset} {path.name}\n# or copy groundswell's preset and edit it.\n"
                    f'preset = "{self.preset}"\n')
        lines = [f"# A mapping guessed from {path.name} by `groundswell mapping guess`.",
                 "# Check each field (docs/mappings.md), then:",
                 f"#   groundswell ingest --mapping THIS.toml {path.name}", ""]
        lines += [f"# {note}" for note in self.notes]
        lines += ["", "[read]", f'format = "{self.format}"', "", "[fields]"]
        if "platform" not in self.fields:
            lines.append('platform = { value = "twitter" }  # CHECK: the posts\' platform')
        for name, spec in self.fields.items():
            lines.append(f"{name} = {_inline(spec)}")
        return "\n".join(lines) + "\n"


def _inline(spec: dict) -> str:
    if set(spec) == {"column"}:
        return json.dumps(spec["column"], ensure_ascii=False)
    parts = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in spec.items()]
    return "{ " + ", ".join(parts) + " }"


def guess_mapping(path: str | Path, table_format: str | None = None) -> Guess:
    """A :class:`Guess` for the table at ``path`` (see the module)."""
    path = Path(path)
    probe = Mapping.from_dict({"fields": {"created_at": "_", "text": "_"},
                               "read": {"format": table_format} if table_format else {}})
    with TableReader(path, probe) as reader:
        columns = reader.columns()
        fmt = reader.format
        sample = _sample(reader, columns)
    recognised = _preset_for(columns, fmt)
    if recognised:
        return Guess(recognised, format=fmt)
    guess = Guess(None, format=fmt)
    by_key = {_key(c): c for c in reversed(columns)}
    taken: set[str] = set()
    for name, candidates in NAMES.items():
        column = next((by_key[_key(c)] for c in candidates
                       if _key(c) in by_key and by_key[_key(c)] not in taken), None)
        if column is None:
            continue
        if name != "handle":
            taken.add(column)
        guess.fields[name] = _spec(name, column, sample.get(column, []), guess.notes)
    missing = [f for f in ("created_at", "text", "post_id") if f not in guess.fields]
    if missing:
        guess.notes.append(f"not found: {', '.join(missing)}; the columns are: "
                           f"{', '.join(columns)}")
    return guess


def _sample(reader: TableReader, columns: list[str]) -> dict[str, list[str]]:
    source, _ = reader._source()
    rows = reader.con.execute(f"SELECT * FROM {source} LIMIT 50").fetchall()
    return {c: [r[i] for r in rows if r[i] not in (None, "")] for i, c in enumerate(columns)}


def _preset_for(columns: list[str], fmt: str) -> str | None:
    have = set(columns)
    fits = []
    for name in presets():
        mapping = preset(name)
        if mapping.read.format not in (None, fmt):
            continue
        if mapping.columns and set(mapping.columns) <= have:
            fits.append((len(mapping.columns), name))
    return max(fits)[1] if fits else None


def _spec(name: str, column: str, values: list[str], notes: list[str]) -> dict:
    spec: dict = {"column": column}
    if name == "created_at" and values:
        spec |= _time_format(values, column, notes)
    elif name in ("hashtags", "mentions") and values:
        spec |= _list_format(values)
    return spec


def _time_format(values: list[str], column: str, notes: list[str]) -> dict:
    first = values[0].strip()
    if re.fullmatch(r"\d{13}(\.\d+)?", first):
        return {"format": "unix_ms"}
    if re.fullmatch(r"\d{9,10}(\.\d+)?", first):
        return {"format": "unix"}
    if re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [+-]\d{4} \d{4}", first):
        return {"format": _TWITTER_TIME}
    if re.match(r"\d{4}-\d\d-\d\d", first):
        if not re.search(r"(Z|[+-]\d\d:?\d\d)$", first):
            notes.append(f"{column} has no time zone (e.g. {first!r}): UTC is assumed; "
                         "set timezone = \"Europe/Paris\" (say) if it is local time")
        return {}
    notes.append(f"{column}: unknown time format (e.g. {first!r}); set format = \"%d/%m/%Y "
                 "%H:%M\" (strftime) or \"iso\", \"unix\", \"unix_ms\"")
    return {}


def _list_format(values: list[str]) -> dict:
    first = values[0].strip()
    if first.startswith("["):
        try:
            items = json.loads(first)
        except ValueError:
            return {"split": "python"}
        if items and isinstance(items[0], dict):
            key = next((k for k in ("tag", "text", "name", "username", "screen_name")
                        if k in items[0]), next(iter(items[0])))
            return {"split": "json", "key": key}
        return {"split": "json"}
    for separator in ("|", ";", ","):
        if any(separator in v for v in values):
            return {"split": separator}
    return {"split": "whitespace"}
