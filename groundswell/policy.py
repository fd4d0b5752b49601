"""The privacy policy of a campaign: who is public, the smallest cell shown, the DP budget.

Why one object: every output must apply the same rules, so they are decided once, from the
campaign file's ``[public_figures]`` and ``[privacy]`` sections (defaults when there is no
file), and handed to whatever writes an output. ``reveal`` is never read from a file: only the
user's explicit ``--reveal`` sets it, and an output made with it says so in its header.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from groundswell.text import normal_handle

if TYPE_CHECKING:
    from groundswell.campaign import Campaign

#: The smallest group of people a published count may describe (``[privacy] min_cell``).
DEFAULT_K = 10
#: Total ε the campaign's differentially private releases may spend (``[privacy] budget``).
DEFAULT_BUDGET = 3.0
#: ε one ``report --dp`` release spends unless told otherwise (``[privacy] epsilon``).
DEFAULT_EPSILON = 1.0


@dataclass(frozen=True)
class Policy:
    """What every output of a campaign may show.

    ``min_followers``/``verified``/``handles``: who counts as a public figure (named in
    outputs); everyone else is a keyed pseudonym. ``k``: a count below ``k`` that describes a
    group of fewer than ``k`` people is shown as ``"<k"`` (``k <= 1`` turns suppression
    off, and outputs say so). ``budget``/``epsilon``: the differential-privacy budget of the
    campaign and the ε of one release. ``reveal``: the user asked, explicitly, to see private
    accounts' handles, ids and texts (only from the command line or the API, never a file).
    """

    min_followers: int = 100_000
    verified: bool = True
    handles: frozenset[str] = field(default_factory=frozenset)
    k: int = DEFAULT_K
    budget: float = DEFAULT_BUDGET
    epsilon: float = DEFAULT_EPSILON
    reveal: bool = False

    @classmethod
    def of(cls, campaign: Campaign | None, reveal: bool = False) -> Policy:
        """The policy a campaign file sets (the defaults without one)."""
        if campaign is None:
            return cls(reveal=reveal)
        return cls(min_followers=campaign.public_figure_followers,
                   verified=campaign.public_figure_verified,
                   handles=frozenset(campaign.public_handles),
                   k=campaign.privacy_k, budget=campaign.privacy_budget,
                   epsilon=campaign.privacy_epsilon, reveal=reveal)

    def revealing(self, reveal: bool = True) -> Policy:
        return replace(self, reveal=reveal)

    def is_public(self, handle: str | None, followers: int | None,
                  verified: bool | None) -> bool:
        """A public figure: at least ``min_followers``, verified (when the badge counts), or
        listed by handle in the campaign file."""
        if (followers or 0) >= self.min_followers or (self.verified and bool(verified)):
            return True
        return bool(handle) and normal_handle(handle) in self.handles

    @property
    def suppressing(self) -> bool:
        return self.k > 1

    def small(self, people: int | None) -> bool:
        """Whether a group of ``people`` is too small to describe (0 describes nobody)."""
        return self.suppressing and people is not None and 0 < people < self.k

    @property
    def shown_small(self) -> str:
        """How a suppressed count is shown."""
        return f"<{self.k}"

    def header(self) -> dict:
        """The policy in force, as every output states it (JSON's ``privacy`` key, the HTML
        notice, the dashboard's banner, a share bundle's README)."""
        return {
            "public_figures": {"min_followers": self.min_followers,
                               "verified": self.verified,
                               "listed_handles": len(self.handles)},
            "private_accounts": ("revealed by --reveal: handles, ids and texts of private "
                                 "accounts are shown" if self.reveal
                                 else "keyed pseudonyms; no handle, id or text shown"),
            "min_cell": self.k,
            "small_cells": (f"counts of fewer than {self.k} people shown as "
                            f"\"{self.shown_small}\"" if self.suppressing
                            else "not suppressed (min_cell <= 1)"),
            "reveal": self.reveal,
        }

    def notice(self) -> str:
        """The one-sentence notice the HTML report and the dashboard carry."""
        who = (f"Public figures (at least {self.min_followers:,} followers"
               + (", verified" if self.verified else "")
               + (f", or one of {len(self.handles)} listed handles" if self.handles else "")
               + ") are named")
        if self.reveal:
            rest = ("; REVEALED by --reveal: private accounts' handles and texts are shown — "
                    "do not share this output.")
        else:
            rest = "; everyone else is a keyed pseudonym and no private post text is shown."
        cells = (f" Counts describing fewer than {self.k} people are shown as "
                 f"\u201c{self.shown_small}\u201d." if self.suppressing
                 else " Small cells are not suppressed (min_cell is 1).")
        return who + rest + cells
