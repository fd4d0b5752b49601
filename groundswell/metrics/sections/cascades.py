"""Cascades on the page: how far matching posts travelled by reposts and by replies, in words
(repost cascades are stars in the platforms' data; only reply trees have a depth)."""

from __future__ import annotations

from groundswell.metrics.page import Page, Prose, Section, num


def section(page: Page) -> Section:
    cascades = page.results["cascades"] or {}
    repost, reply = cascades.get("repost") or {}, cascades.get("reply") or {}
    return Section("cascades", "Cascades", (Prose(
        f'<p>{num(repost.get("cascades"))} matching posts were reposted '
        f'({num(repost.get("reposts_in_cascades"))} reposts in all; the largest has\n'
        f'{num(repost.get("largest_size"))} posts with itself). Repost cascades are stars: '
        "the platform\nrecords every repost as pointing to the original. "
        f'{num(reply.get("cascades"))} posts started\nreply trees; the largest has '
        f'{num(reply.get("largest_size"))} posts,\n{num(reply.get("largest_depth"))} levels '
        f'deep, structural virality\n{num(reply.get("largest_structural_virality"))}.</p>'),))
