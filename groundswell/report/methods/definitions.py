"""The paragraphs about the definitions, the privacy settings and the software.

Definitions follow docs/metrics.md, docs/trends.md and docs/roles.md word for word where they
can; a definition appears only when the output shows its metric (trending tags, bursts,
cascades and roles are not in every report), and each cites the work it follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groundswell.report.methods.sentences import listing, platform_name, plural

if TYPE_CHECKING:
    from groundswell.report.methods import Methods
    from groundswell.report.methods.references import Citations

#: Where each platform's hashtags come from (docs/schema.md) and the rules cited.
HASHTAGS = {
    "twitter": ("on Twitter, the tweet's own hashtag entities or, where a tweet has none, the "
                "twitter-text rules", "twitter-text"),
    "bluesky": ("on Bluesky, the record's tag facets or, where a record has none, atproto's "
                "facet detection", "atproto"),
    "mastodon": ("on Mastodon, Mastodon's own hashtag rule applied to the status's text",
                 "mastodon"),
}
METHOD_NAMES = {"pacc": "probabilistic adjusted classify and count (PACC)",
                "acc": "adjusted classify and count (ACC)"}


def window(seconds: Any) -> str:
    """``3600`` → ``1-hour``; ``1800`` → ``30-minute``."""
    s = int(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if s % size == 0:
            return f"{s // size}-{unit}"
    return f"{s}-second"


def definitions_paragraph(m: Methods, refs: Citations) -> str:
    sources = [(HASHTAGS[p.name][0] + " " + refs.cite(HASHTAGS[p.name][1]))
               for p in m.platforms if p.name in HASHTAGS]
    others = [platform_name(p.name) for p in m.platforms if p.name not in HASHTAGS]
    if others:
        sources.append(f"on {listing(others)}, the hashtags the input's mapping names "
                       "(docs/mappings.md)")
    out = ["Definitions."]
    if sources:
        out.append(f"Hashtags were read {'; '.join(sources)}.")
    out.append("An account is one platform account (the platform and its id); accounts are "
               "never merged across platforms, so a person with two accounts counts twice and "
               "combined counts are an upper bound on people. Participants are accounts that "
               "wrote at least one matching original post, reply or quote; amplifiers are "
               "accounts whose only matching posts are reposts, so accounts = participants + "
               "amplifiers.")
    if "cascades" in m.metrics:
        out.append("The structural virality of a reply tree is the mean distance between all "
                   f"pairs of its posts {refs.cite('goel')}; the platforms record every repost "
                   "as pointing at the original, so repost cascades are stars.")
    if "trending" in m.metrics:
        t = m.settings.get("trending", {})
        out.append(
            f"A tag trends when, in a {window(t.get('window_seconds', 3600))} window, at "
            f"least {t.get('min_accounts', 10)} distinct accounts used it and its trend score "
            f"reached {t.get('min_score', 100)}: a χ²-like surprise of the accounts observed "
            "against the previous day's mean or the same hour a day before, decaying with a "
            f"2-hour half-life, after Mastodon's trending tags {refs.cite('mastodon')}.")
    if "bursts" in m.metrics:
        b = m.settings.get("bursts", {})
        out.append(f"Bursts are the burst states of Kleinberg's two-state automaton "
                   f"{refs.cite('kleinberg')} over the share of posts carrying the tag per "
                   f"{window(b.get('window_seconds', 3600))} window (s = {b.get('s', 2)}, "
                   f"γ = {b.get('gamma', 1)}).")
    roles = m.campaign.roles if m.campaign is not None else None
    if roles and ("roles" in m.metrics or not m.metrics):
        out.append(_roles_sentence(roles, refs))
    return " ".join(out)


def _roles_sentence(roles: dict[str, Any], refs: Citations) -> str:
    names = listing(roles["roles"])
    if roles["classifier"] == "rules":
        return (f"Each authored matching post (original, reply or quote) was given one role "
                f"of {names} by transparent cue-phrase rules (docs/roles.md), and the roles "
                "were counted as classified, without correction for the rules' errors; a "
                "person's role is that of their first authored matching post.")
    method = roles["method"]
    if method == "cc":
        how = "counted as classified (classify and count, uncorrected)"
    else:
        cites = refs.cite("forman", "bella", "quapy") if method == "pacc" else \
            refs.cite("forman", "quapy")
        how = (f"corrected for the classifier's errors measured by 5-fold cross-validation on "
               f"labelled posts with {METHOD_NAMES[method]} {cites}, with 95 % bootstrap "
               f"intervals ({roles['bootstrap']} draws)")
    digest = f", SHA-256 {roles['model_sha256'][:12]}" if roles.get("model_sha256") else ""
    return (f"Each authored matching post (original, reply or quote) was given one role of "
            f"{names} by the classifier {roles['classifier']}{digest}; role shares were {how}. "
            "A person's role is that of their first authored matching post.")


def privacy_paragraph(m: Methods, refs: Citations) -> str:
    p = m.policy
    who = [f"at least {p.min_followers:,} followers"] + (["verified"] if p.verified else []) \
        + ([plural(len(p.handles), "listed handle")] if p.handles else [])
    out = [f"Privacy. Accounts with {' or '.join(who)} are public figures and named; every "
           "other account appears only as a keyed pseudonym (HMAC-SHA256 under a key kept "
           "outside the store) and no private post text is shown."]
    if p.suppressing:
        out.append(f"Counts describing fewer than {p.k} people are shown as “{p.shown_small}”, "
                   "and further counts are withheld so that none of them can be recovered by "
                   "subtraction (docs/privacy.md).")
    else:
        out.append("Small counts were not suppressed (min_cell = 1).")
    if p.reveal:
        out.append("This output was made with --reveal: private accounts' handles are shown; "
                   "do not publish it.")
    if m.dp:
        bound = (m.dp.get("bound") or {}).get("posts_per_account", 10)
        out.append(f"The released numbers are differentially private {refs.cite('dwork')}: "
                   f"ε = {m.dp['epsilon']:g} for this release, discrete Laplace noise from the "
                   f"OpenDP library {refs.cite('opendp')}, the unit of privacy one account "
                   f"counting with at most its first {bound} matching posts; the campaign has "
                   f"spent ε = {m.dp['spent_after']:g} of its budget of {m.dp['budget']:g}.")
    return " ".join(out)


def software_paragraph(m: Methods) -> str:
    s = dict(m.software)
    version = s.pop("groundswell", "?")
    libraries = listing([f"{name} {v}" for name, v in s.items()]) if s else ""
    engine = "Apache Spark" if m.engine == "spark" else "DuckDB"
    out = [f"Software and fingerprints. Computed with Groundswell {version}"
           + (f" ({libraries})" if libraries else "") + f", the metrics running on {engine}."]
    st = m.store
    out.append(f"Store fingerprint {st.short} ({plural(st.posts, 'post')} and "
               f"{plural(st.hashtags, 'hashtag row')}; independent of the order and number of "
               "ingest runs).")
    if m.source == "private export":
        out.append("It was computed over a private export, whose ids are pseudonyms: compare "
                   "it only with another private export made under the same key.")
    c = m.campaign
    if c is not None:
        file = f"; the file {c.file_name} has SHA-256 {c.file_sha256[:12]}" \
            if c.file_sha256 else ""
        out.append(f"Campaign fingerprint {c.fingerprint[:12]} (its meaning, not its "
                   f"formatting{file}).")
    out.append("Two analyses with the same fingerprints counted the same posts by the same "
               "rule (docs/methods.md).")
    return " ".join(out)
