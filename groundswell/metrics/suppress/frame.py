"""A table of the user's own, suppressed as the report suppresses its counts.

Why: a notebook asks questions the report does not (first-hour joiners per platform and
language, replies per hour of the day…), and each answer's counts describe people just as the
report's do. Without this, the small-cell rule and its complementary suppression were the
user's to redo by hand (the tutorial did the first half). Here a DataFrame is declared the way
a metric declares its tables (:class:`~groundswell.metrics.cells.Cells`: which column counts,
which column holds the distinct people behind it, which rows add up to a total that is or
will be published) and goes through :func:`~groundswell.metrics.suppress.publishing.
suppress_rows`, the rules every output uses (docs/privacy.md#small-cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from groundswell.metrics.cells import Cells
from groundswell.metrics.suppress.publishing import suppress_rows
from groundswell.policy import Policy


def suppress_frame(frame: pd.DataFrame, counts: Mapping[str, str | None], policy: Policy, *,
                   key: Sequence[str] = (), totals: Sequence[str] | None = ()) -> pd.DataFrame:
    """``frame`` as an output may show it under ``policy`` (a new frame).

    ``counts``: each count column → the column of distinct people behind it (None: the count
    counts people itself). A count whose people are ``0 < people < k`` becomes ``"<k"``.
    ``key``: the columns naming a row (default: every column that is neither a count nor a
    people column). ``totals``: the rows sharing these columns add up to a total that is
    published or known (``()``: all rows add up to one total, the usual case for a breakdown;
    ``None``: no total of these rows is known anywhere). Against a known total, enough other
    counts are withheld (None) that no subtraction gives a small one back. The people columns
    are left out: they would give the small counts back.
    """
    people = {p for p in counts.values() if p is not None}
    missing = [c for c in [*counts, *people, *key, *(totals or ())] if c not in frame.columns]
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the frame; it has: "
                         f"{', '.join(map(str, frame.columns))}")
    for column in [*counts, *people]:
        if not pd.api.types.is_integer_dtype(frame[column]):
            raise ValueError(f"column {column!r} holds {frame[column].dtype}, not counts "
                             "(whole numbers without gaps)")
    chosen = tuple(key) or tuple(c for c in frame.columns if c not in counts and c not in people)
    if len(frame.drop_duplicates(list(chosen))) != len(frame):
        raise ValueError(f"the key {', '.join(chosen)} names several rows; say which columns "
                         "name a row (key=...)")
    if totals is not None and set(totals) - set(chosen):
        raise ValueError("totals must be columns of the key")
    cells = Cells("", dict(counts), key=chosen,
                  groups=tuple(totals) if totals is not None else None,
                  adds_up={c: None for c in counts} if totals is not None else {},
                  hidden=tuple(sorted(people)))
    # to_dict gives Python numbers (pandas boxes numpy scalars), which the suppression sums
    published = suppress_rows(frame.to_dict("records"), cells, policy)
    shown = frame.drop(columns=sorted(people)).reset_index(drop=True)
    for column in counts:  # "<k" and None (withheld) beside the numbers: not NaN
        shown[column] = pd.Series([row[column] for row in published], dtype=object)
    return shown

