"""Private accounts' rows, coarsened as the policy allows them: no follower count, times to
the hour, hours since the origin as whole hours. Apart from the cells: these rows describe one
person each, and what protects them is less detail, not withholding."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from groundswell.metrics.cells import Persons


def coarsen(rows: list[dict], persons: Persons, origin: str | None) -> None:
    """A private account's row as the policy allows it: no follower count, times to the hour,
    hours since the origin as whole hours from the origin's hour (rounding the exact hours
    instead would narrow the hour back down to minutes)."""
    if origin is None:  # no magnitude result to read it from: what the first row implies,
        origin = next((_origin(r.get(t), r.get(h)) for r in rows  # once for all rows
                       for h, t in persons.hours.items() if _origin(r.get(t), r.get(h))),
                      None)
    for row in rows:
        if row.get(persons.public):
            continue
        exact = {name: row.get(name) for name in persons.times}
        for name in persons.hide:
            if name in row:
                row[name] = None
        for name in persons.times:
            if isinstance(row.get(name), str):
                row[name] = _hour(row[name])
        for name, time_field in persons.hours.items():
            if name not in row or row[name] is None:
                continue
            at = exact.get(time_field)
            row[name] = _whole_hours(at, origin) if at and origin else None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z"))


def _hour(value: str) -> str:
    try:
        at = _parse(value)
    except ValueError:
        return value
    return at.replace(minute=0, second=0, microsecond=0).isoformat(timespec="seconds") + "Z"


def _whole_hours(at: str, origin: str) -> int | None:
    try:
        a = _parse(_hour(at))
        o = _parse(_hour(origin))
    except ValueError:
        return None
    return int((a - o).total_seconds() // 3600)


def _origin(at: Any, hours: Any) -> str | None:
    """The origin a row's exact time and hours since the origin imply."""
    if not isinstance(at, str) or not isinstance(hours, int | float):
        return None
    try:
        start = _parse(at) - timedelta(hours=float(hours))
    except ValueError:
        return None
    return start.isoformat(timespec="seconds") + "Z"
