"""The methods facts as words: plain-English paragraphs, an HTML section and JSON.

Why paragraphs a paper can quote: a methods section is prose, and researchers retype what a
tool does not write for them — with the definitions drifting from the code. Every sentence here
is built from :class:`~groundswell.report.methods.Methods`; a fact the source does not record
is said to be unavailable, never guessed. References are numbered in order of first use.
"""

from __future__ import annotations

import html as markup
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from groundswell.report.methods.definitions import (
    definitions_paragraph,
    privacy_paragraph,
    software_paragraph,
)
from groundswell.report.methods.references import Citations, cite_as
from groundswell.report.methods.sentences import (
    data_paragraph,
    dedup_paragraph,
    matching_paragraph,
)

if TYPE_CHECKING:
    from groundswell.report.methods import Methods

STORE_COVERS = ("every row of posts (all columns but source_file, source_line and post_key) "
                "and of post_hashtags (but post_key), summed per-row MD5 digests: independent "
                "of ingest order; accounts, mentions and the quarantine are not covered")


def paragraphs(methods: Methods) -> tuple[list[str], list[str]]:
    """The paragraphs, and the references they cite (numbered in that order)."""
    refs = Citations()
    found = [data_paragraph(methods), matching_paragraph(methods),
             definitions_paragraph(methods, refs), dedup_paragraph(methods),
             privacy_paragraph(methods, refs), software_paragraph(methods)]
    return [p for p in found if p], refs.listed()


def text(methods: Methods) -> str:
    """The terminal's version: the paragraphs, the references, the line to cite."""
    found, refs = paragraphs(methods)
    lines = ["Methods", ""]
    for paragraph in found:
        lines += [paragraph, ""]
    if refs:
        lines += ["References", *(f"[{i}] {r}" for i, r in enumerate(refs, 1)), ""]
    lines.append(f"Cite as: {cite_as(methods.software.get('groundswell', '?'))}")
    return "\n".join(lines)


def html(methods: Methods) -> str:
    """A collapsible ``<details>`` section for the HTML page, with the full fingerprints."""
    found, refs = paragraphs(methods)
    body = "".join(f"<p>{markup.escape(p)}</p>" for p in found)
    if refs:
        body += "<h3>References</h3><ol>" + "".join(
            f"<li>{markup.escape(r)}</li>" for r in refs) + "</ol>"
    prints = [("Store fingerprint", methods.store.sha256)]
    if methods.campaign is not None:
        prints.append(("Campaign fingerprint", methods.campaign.fingerprint))
        if methods.campaign.file_sha256:
            prints.append(("Campaign file SHA-256", methods.campaign.file_sha256))
    body += "<table><tbody>" + "".join(
        f"<tr><td>{markup.escape(k)}</td><td><code>{v}</code></td></tr>" for k, v in prints
    ) + "</tbody></table>"
    body += (f"<p>Cite as: {markup.escape(cite_as(methods.software.get('groundswell', '?')))}"
             "</p>")
    return (f'<details class="methods" id="methods"><summary>Methods</summary>{body}'
            "</details>")


def as_json(methods: Methods) -> dict[str, Any]:
    """``report --json``'s ``methods``: the paragraphs and every fact, fingerprints in full."""
    found, refs = paragraphs(methods)
    campaign = None
    if methods.campaign is not None:
        campaign = asdict(methods.campaign)
        for key in ("start", "end"):
            value = campaign[key]
            campaign[key] = None if value is None else value.isoformat() + "Z"
        campaign["variants"] = [{"tag": t, "lang": lang} for t, lang in campaign["variants"]]
        campaign["origins"] = [{"platform": p, "post_id": i} for p, i in campaign["origins"]]
    return {
        "text": found,
        "references": refs,
        "cite_as": cite_as(methods.software.get("groundswell", "?")),
        "store_fingerprint": {"sha256": methods.store.sha256, "short": methods.store.short,
                              "posts": methods.store.posts, "hashtags": methods.store.hashtags,
                              "source": methods.source, "covers": STORE_COVERS},
        "campaign": campaign,
        "platforms": [asdict(p) for p in methods.platforms],
        "collection": None if methods.collection is None else asdict(methods.collection),
        "removals": asdict(methods.removals),
        "privacy": {**methods.policy.header(), "dp": dict(methods.dp) if methods.dp else None},
        "metrics": list(methods.metrics),
        "settings": {k: dict(v) for k, v in methods.settings.items()},
        "engine": methods.engine,
        "software": dict(methods.software),
    }
