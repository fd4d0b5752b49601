"""Settings read from the environment (``GROUNDSWELL_*``), checked the same way everywhere.

Why one place: a mistyped value must fail with one line naming the variable and what it
expects, before any store is created, whichever layer reads it (the store's memory budget, the
ingest's batch, chunk and worker counts).
"""

from __future__ import annotations

import os


def env_whole(name: str, default: int, expected: str = "a whole number of at least 1") -> int:
    """A positive whole number from environment variable ``name`` (``default`` when unset);
    anything else is a one-line error saying what was ``expected``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: expected {expected}")
    return int(value)
