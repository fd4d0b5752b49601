"""The trending score: unique accounts observed in a window against those expected from the
tag's own history, in the spirit of Mastodon's trending tags (``Trends::Tags``).

For a tag and window *i* (all in units of windows, default one hour):

- ``observed`` = distinct accounts that used the tag in window *i*;
- ``expected`` = max(1, mean of ``observed`` over the previous ``lookback`` windows (zeros
  included), ``observed`` in the same window one ``period`` earlier) — the same hour yesterday
  guards against the daily cycle, the floor of 1 lets a brand-new tag score;
- ``score`` = (observed − expected)² / expected, when observed > expected and observed ≥
  ``min_accounts``; otherwise 0 (a χ²-like surprise, as in Mastodon);
- the *trend score* decays: it is the highest score seen within the last ``cooldown`` windows,
  halved every ``half_life`` windows since it was reached;
- a tag **trends** in window *i* when its trend score ≥ ``min_score`` and *i* is at least
  ``warmup`` windows after the data starts (before that no tag has a history).

docs/trends.md states the defaults and how they were chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TrendParams:
    window_seconds: int = 3600
    lookback: int = 24
    period: int = 24
    min_accounts: int = 10
    min_score: float = 100.0
    half_life: float = 2.0
    cooldown: int = 48
    warmup: int = 24

    @classmethod
    def for_window(cls, seconds: int, **overrides) -> TrendParams:
        """Scale the window-counted parameters so they keep their meaning in hours."""
        per_hour = 3600 / seconds
        per_day = round(86400 / seconds)
        base = {
            "window_seconds": seconds,
            "lookback": per_day,
            "period": per_day,
            "half_life": 2.0 * per_hour,
            "cooldown": 2 * per_day,
            "warmup": per_day,
        }
        base.update(overrides)
        return cls(**base)


@dataclass
class TagTrend:
    """One tag's trajectory through the windows."""

    tag: str
    scores: list[float]
    trend: list[float]
    trending: list[bool]

    @property
    def first_trending(self) -> int | None:
        return next((i for i, t in enumerate(self.trending) if t), None)

    @property
    def peak(self) -> int | None:
        """The trending window with the highest trend score (earliest on ties)."""
        windows = [i for i, t in enumerate(self.trending) if t]
        return max(windows, key=lambda i: (self.trend[i], -i)) if windows else None


def expected(history: Sequence[float], i: int, p: TrendParams) -> float:
    """The baseline for window ``i`` from windows strictly before it."""
    start = max(0, i - p.lookback)
    past = history[start:i]
    mean = sum(past) / p.lookback if past else 0.0
    same_time = history[i - p.period] if i - p.period >= 0 else 0.0
    return max(1.0, mean, same_time)


def window_score(observed: float, baseline: float, p: TrendParams) -> float:
    if observed < p.min_accounts or observed <= baseline:
        return 0.0
    return (observed - baseline) ** 2 / baseline


def trend_series(tag: str, observed: Sequence[float], p: TrendParams) -> TagTrend:
    """Scores for a dense series of per-window unique-account counts (index 0 = data start)."""
    scores, trend, trending = [], [], []
    max_score, max_at = 0.0, None
    for i, obs in enumerate(observed):
        score = window_score(obs, expected(observed, i, p), p)
        if max_at is not None and i - max_at > p.cooldown:
            max_score, max_at = 0.0, None
        if score > max_score:
            max_score, max_at = score, i
        decayed = max_score * 0.5 ** ((i - max_at) / p.half_life) if max_at is not None else 0.0
        scores.append(score)
        trend.append(decayed)
        trending.append(decayed >= p.min_score and i >= p.warmup)
    return TagTrend(tag, scores, trend, trending)
