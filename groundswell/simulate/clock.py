"""Simulated time: the daily activity cycle, timestamp formats and snowflake ids.

Why an *operational* clock: people post more in the evening than at 4 a.m. Instead of
thinning every random delay against the cycle, the whole process runs in "activity time"
``u`` (seconds in which the rate is constant) and is mapped to wall-clock time at the end
through the inverse of ``U(t) = ∫ (1 + A·sin(...)) dt``. Every delay, background arrival and
cascade then inherits the daily cycle for free, in one vectorised ``np.interp``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

#: Twitter's snowflake epoch (2010-11-04T01:42:54.657Z) in Unix milliseconds.
TWITTER_EPOCH_MS = 1288834974657
DEFAULT_START = datetime(2017, 10, 15, 20, 21, 0, tzinfo=UTC)
HOUR = 3600.0
DAY = 86400.0

_WEEKDAYS = ("Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed")  # 1970-01-01 was a Thursday
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


def to_ms(dt: datetime) -> int:
    """Aware (or naive-UTC) datetime → Unix milliseconds."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))


class DailyCycle:
    """Maps activity time ↔ wall-clock seconds relative to the origin post.

    The rate multiplier is ``1 + amplitude·sin(2π(h − peak_hour + 6)/24)`` with ``h`` the UTC
    hour, so it peaks at ``peak_hour`` (20:00 UTC: US afternoon, European evening) and bottoms
    out twelve hours later. ``U(0) = 0``: the origin post is at activity time 0.
    """

    def __init__(self, t0_ms: int, lo_s: float, hi_s: float, amplitude: float = 0.6,
                 peak_hour: float = 20.0, step_s: float = 60.0) -> None:
        t = np.arange(np.floor(lo_s / step_s) * step_s, hi_s + 2 * step_s, step_s)
        hours = ((t0_ms / 1000.0 + t) % DAY) / HOUR
        rate = 1.0 + amplitude * np.sin(2 * np.pi * (hours - peak_hour + 6.0) / 24.0)
        u = np.concatenate(([0.0], np.cumsum((rate[1:] + rate[:-1]) * 0.5 * step_s)))
        u -= np.interp(0.0, t, u)
        self._t = t
        self._u = u

    def to_wall(self, u: np.ndarray) -> np.ndarray:
        """Activity seconds → wall-clock seconds since the origin."""
        return np.interp(u, self._u, self._t)

    def to_activity(self, t: np.ndarray | float) -> np.ndarray:
        """Wall-clock seconds since the origin → activity seconds."""
        return np.interp(t, self._t, self._u)


def snowflake_ids(ms: np.ndarray, worker: np.ndarray) -> np.ndarray:
    """Tweet ids that sort like their timestamps: ``(ms − epoch) << 22 | worker << 12 | seq``.

    ``seq`` counts events within the same millisecond so ids stay unique however dense the
    burst; ``ms`` must already be sorted ascending.
    """
    n = ms.size
    seq = np.zeros(n, dtype=np.int64)
    if n:
        new_ms = np.empty(n, dtype=bool)
        new_ms[0] = True
        new_ms[1:] = ms[1:] != ms[:-1]
        starts = np.flatnonzero(new_ms)
        run = np.repeat(starts, np.diff(np.append(starts, n)))
        seq = np.arange(n, dtype=np.int64) - run
    if seq.size and seq.max() >= 4096:
        raise ValueError("more than 4096 posts in one millisecond")
    return ((ms - TWITTER_EPOCH_MS) << 22) | (worker.astype(np.int64) << 12) | seq


def iso_seconds(ms: np.ndarray) -> list[str]:
    """``2017-10-15T20:21:00`` strings (no zone) for an array of Unix ms, vectorised."""
    return np.datetime_as_string(ms.astype("datetime64[ms]").astype("datetime64[s]"),
                                 unit="s").tolist()


def iso_z(ms: int) -> str:
    """Truth-file timestamps: ``2017-10-15T20:21:00Z`` (second precision, UTC)."""
    return iso_seconds(np.array([ms], dtype=np.int64))[0] + "Z"


def iso_ms_z(ms: int) -> str:
    """Compliance-event timestamps: ``2017-10-15T20:21:00.123Z``."""
    return str(np.datetime64(int(ms), "ms")) + "Z"


def v1_dates(ms: np.ndarray) -> list[str]:
    """v1.1 ``created_at`` strings (``Sun Oct 15 20:21:00 +0000 2017``), vectorised."""
    iso = iso_seconds(ms)
    weekday = (ms // 86_400_000 % 7).tolist()
    return [f"{_WEEKDAYS[w]} {_MONTHS[int(s[5:7])]} {s[8:10]} {s[11:19]} +0000 {s[:4]}"
            for s, w in zip(iso, weekday, strict=True)]
