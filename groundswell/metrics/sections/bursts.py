"""Bursts on the page: every burst of the main and response tags, and the tags without one."""

from __future__ import annotations

from groundswell.metrics.page import Page, Prose, Rows, Section, esc


def section(page: Page) -> Section:
    found = page.results["bursts"] or {}
    rows = [{"tag": f"#{tag}", "begin_at": b["begin_at"], "end_at": b["end_at"],
             "hours": b.get("windows"), "posts": b.get("posts"), "weight": b.get("weight"),
             "peak_at": b.get("peak_at")}
            for tag, result in found.items() for b in result.get("bursts", [])]
    quiet = [f"#{tag}" for tag, result in found.items() if not result.get("bursts")]
    blocks = [
        Prose("<p><small>Kleinberg's two-state automaton over each tag's hourly share of all "
              "posts in the\nwindow (s = 2, γ = 1): a burst is a run of hours where the tag's "
              "share is best explained as\ntwice its usual. A tag that grows with the whole "
              "conversation is not bursting.</small></p>"),
        Rows(rows, [("tag", "tag"), ("begin_at", "from"), ("end_at", "to"), ("hours", "hours"),
                    ("posts", "posts carrying the tag"), ("peak_at", "busiest hour"),
                    ("weight", "weight")], "no burst found"),
    ]
    if quiet:
        blocks.append(Prose(f"<p><small>No burst for {esc(', '.join(quiet))}: its share of "
                            "all posts stayed near its usual level (a tag that <em>is</em> the "
                            "conversation cannot double its share).</small></p>"))
    return Section("bursts", "Bursts", tuple(blocks))
