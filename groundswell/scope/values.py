"""Engine results as JSON-ready values: every metric's output goes through these, so every
time in every output is ISO 8601 UTC with a ``Z``, whichever engine computed it."""

from __future__ import annotations

from datetime import datetime

import ibis.expr.types as ir


def rows(expr: ir.Table) -> list[dict]:
    """Execute a table expression into JSON-ready rows (timestamps as ISO strings)."""
    out = expr.to_pyarrow().to_pylist()
    for row in out:
        for key, value in row.items():
            if isinstance(value, datetime):
                row[key] = iso(value)
    return out


def scalar(expr: ir.Scalar):
    """Execute a scalar expression into a plain Python value (None when missing)."""
    return expr.to_pyarrow().as_py()


def iso(value) -> str | None:
    """Timestamps in JSON: ISO 8601 UTC with a ``Z`` so no reader guesses the zone."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return str(value)


def hours_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 3600, 2)
