"""The privacy-budget ledger: every ε a campaign's differentially private releases spent.

Why a ledger in the store: differential privacy composes — two releases of ε 1 about the same
accounts together leak as much as one release of ε 2 — so a campaign's budget (``[privacy]
budget``) only means something if every release is written down where the next one will
look. The ledger lives in the store beside the posts it protects (table ``privacy_ledger``,
made the first time a release is recorded), one row per release: the campaign's ledger key,
when, the ε spent and what was released. A release is refused (:class:`PrivacyBudgetError`)
when it would take the campaign past its budget, and is recorded in the same transaction as
it is computed (:func:`transaction`, :func:`charge`), so a release that fails records
nothing and no release escapes the ledger.

The key (:func:`key`) is the campaign's name and main tag (``"MeToo|metoo"``; every stored
post without a campaign: ``"(all posts)"``). It is a guard against accidents, not against the
store's owner: a renamed campaign starts a fresh budget, and two campaigns over the same
accounts each have their own (:func:`spent_in_store` adds up everything the store released).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from groundswell.store import StoreError

if TYPE_CHECKING:
    from groundswell.campaign import Campaign
    from groundswell.store import Store

TABLE = "privacy_ledger"
DDL = f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        campaign    VARCHAR NOT NULL,
        released_at TIMESTAMP NOT NULL,
        epsilon     DOUBLE NOT NULL,
        what        VARCHAR
    )"""
#: Slack when adding up ε: ten releases of ε 0.1 add up to 1.0000000000000002 in floating
#: point, and must still fit a budget of 1.
TOLERANCE = 1e-9
#: The ledger key of a release over every stored post (no campaign).
ALL_POSTS = "(all posts)"


class PrivacyBudgetError(StoreError):
    """A release that would spend more ε than the campaign's budget has left."""


def key(campaign: Campaign | None) -> str:
    """The campaign's identity in the ledger: its name and main tag (see the module)."""
    if campaign is None:
        return ALL_POSTS
    return f"{campaign.name}|{campaign.main_tag}"


def _exists(store: Store) -> bool:
    found = store.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
        [TABLE]).fetchall()
    return bool(found[0][0])


def spent(store: Store, campaign: Campaign | None) -> float:
    """ε the campaign's recorded releases spent so far (0 before the first)."""
    if not _exists(store):
        return 0.0
    found = store.con.execute(f"SELECT coalesce(sum(epsilon), 0) FROM {TABLE} "
                              "WHERE campaign = ?", [key(campaign)]).fetchall()
    return float(found[0][0])


def spent_in_store(store: Store) -> float:
    """ε every recorded release of the store spent, whatever its campaign: what an account
    that took part in all of them has lost at most."""
    if not _exists(store):
        return 0.0
    return float(store.con.execute(f"SELECT coalesce(sum(epsilon), 0) FROM {TABLE}"
                                   ).fetchall()[0][0])


def entries(store: Store, campaign: Campaign | None) -> list[dict]:
    """The campaign's recorded releases, oldest first: ``released_at`` (ISO, UTC),
    ``epsilon``, ``what`` (a JSON text saying what was released)."""
    if not _exists(store):
        return []
    rows = store.con.execute(
        f"SELECT released_at, epsilon, what FROM {TABLE} WHERE campaign = ? "
        "ORDER BY released_at, rowid", [key(campaign)]).fetchall()
    return [{"released_at": at.isoformat(timespec="seconds") + "Z", "epsilon": epsilon,
             "what": what} for at, epsilon, what in rows]


def check(campaign: Campaign | None, before: float, epsilon: float, budget: float) -> None:
    """Refuse (:class:`PrivacyBudgetError`) a release of ``epsilon`` that would take the
    campaign from ``before`` past ``budget``; the message says how to proceed."""
    if before + epsilon <= budget + TOLERANCE:
        return
    left = max(budget - before, 0.0)
    how = (f"ask for at most ε {left:g} (--epsilon), or " if left > TOLERANCE else "")
    raise PrivacyBudgetError(
        f"privacy budget of campaign {key(campaign)!r} exceeded: spent ε {before:g} of its "
        f"budget {budget:g}, and this release asks ε {epsilon:g}. Numbers released before "
        f"stay valid: reuse them; {how}raise the budget (privacy.budget in the campaign file) "
        "only if you accept that its accounts lose more privacy (see docs/dp.md).")


@contextmanager
def transaction(store: Store) -> Iterator[None]:
    """One transaction around a release: computing it and recording its spend commit
    together, or neither does."""
    con = store.con
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has rolled back already
        raise


def charge(store: Store, campaign: Campaign | None, epsilon: float, budget: float) -> float:
    """Inside :func:`transaction`: make the ledger if needed, refuse a release past the
    budget, and return what the campaign had spent before it. Record it with :func:`record`
    once it is computed."""
    try:
        store.con.execute(DDL)
    except duckdb.Error as exc:
        raise StoreError(f"cannot record a release in {store.path}'s privacy ledger "
                         f"({str(exc).splitlines()[0]}): open the store for writing") from None
    before = spent(store, campaign)
    check(campaign, before, epsilon, budget)
    return before


def record(store: Store, campaign: Campaign | None, epsilon: float, what: str,
           at: datetime | None = None) -> datetime:
    """Write one release into the ledger (inside :func:`transaction`, after :func:`charge`);
    returns its time (naive UTC, like every time in the store)."""
    at = at or datetime.now(UTC).replace(tzinfo=None)
    store.con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)",
                      [key(campaign), at, epsilon, what])
    return at
