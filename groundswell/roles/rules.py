"""The transparent baseline: a post's role from cue phrases, per language.

Why rules at all when a model does better: they need no labels, anyone can read why a post was
called a disclosure, and they are the floor a trained model must beat (``roles evaluate``
prints both). The cues are the role set's phrases (a campaign file adds its own) plus these
defaults: first-person experience markers for disclosure, belief and solidarity for support,
news and opinion words for commentary, dismissal and sarcasm for opposition. A reply to the
call to action that carries the campaign's phrase ("me too") is a disclosure, as the call
asked. What matches nothing is ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from groundswell.roles.sets import DEFAULT_ROLES, RoleSet

__all__ = ["CUES", "classify"]

#: Default cue phrases: role → language → phrases (matched as whole words, any case).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "disclosure": {
        "en": ("me too", "happened to me", "it happened", "i was", "when i was",
               "my boss", "my manager", "my first job", "he touched me", "touched me",
               "harassed me", "assaulted me", "i never told", "i still", "to me",
               "i reported it", "i stayed quiet", "i was told", "my story", "i was only"),
        "fr": ("moi aussi", "m'est arrivé", "j'avais", "j'étais", "quand j'étais",
               "mon patron", "mon chef", "m'a touchée", "m'a harcelée", "je n'ai jamais"),
        "es": ("yo también", "me pasó", "a mí", "cuando tenía", "mi jefe", "me tocó",
               "nunca lo conté", "yo tenía"),
        "it": ("anche io", "anch'io", "mi è successo", "quando avevo", "il mio capo",
               "mi ha toccata", "non l'ho mai detto"),
        "de": ("ich auch", "mir ist", "als ich", "mein chef", "mir passiert"),
    },
    "support": {
        "en": ("i believe you", "believe survivors", "you are not alone", "you're not alone",
               "stand with", "standing with", "so sorry", "sending love", "so brave",
               "thank you for sharing", "proud of you", "solidarity", "we hear you",
               "ibelieveyou", "hugs"),
        "fr": ("je te crois", "je vous crois", "tu n'es pas seule", "courage", "soutien",
               "solidarité", "merci de partager"),
        "es": ("te creo", "os creo", "no estás sola", "todo mi apoyo", "solidaridad",
               "gracias por compartir"),
        "it": ("ti credo", "vi credo", "non sei sola", "solidarietà", "grazie per aver"),
        "de": ("ich glaube dir", "du bist nicht allein", "solidarität"),
    },
    "opposition": {
        "en": ("witch hunt", "witch-hunt", "hysteria", "attention seeking", "attention-seeking",
               "fake", "liars", "ruining men", "gone too far", "so what", "get over it",
               "snowflake", "false accusations"),
        "fr": ("chasse aux sorcières", "délation", "hystérie", "n'importe quoi"),
        "es": ("caza de brujas", "histeria", "exageradas", "denuncias falsas"),
        "it": ("caccia alle streghe", "isteria", "esagerate", "false accuse"),
        "de": ("hexenjagd", "hysterie"),
    },
    "commentary": {
        "en": ("according to", "report", "reports", "news", "article", "study", "survey",
               "campaign", "movement", "interview", "says", "said", "announced", "read",
               "thread", "analysis", "opinion", "breaking", "poll", "statement"),
        "fr": ("selon", "article", "enquête", "étude", "mouvement", "campagne", "tribune",
               "annonce", "témoignages"),
        "es": ("según", "artículo", "encuesta", "estudio", "movimiento", "campaña",
               "noticia"),
        "it": ("secondo", "articolo", "inchiesta", "studio", "movimento", "campagna",
               "notizia"),
        "de": ("laut", "artikel", "studie", "bewegung", "kampagne", "bericht"),
    },
}
#: When a post has cues of several roles, the first of these wins (a disclosure that also
#: thanks others is a disclosure; support that cites the news is support).
PRIORITY = ("disclosure", "support", "opposition", "commentary")


def _key(roles: RoleSet) -> tuple:
    """The role set's cues as a hashable key (sets of phrases per role, in rule order)."""
    order = [r for r in PRIORITY if r in roles.names] + [
        r for r in roles.names if r not in PRIORITY and r != roles.fallback]
    return tuple((name, tuple(sorted(
        {p.lower() for lang in CUES.get(name, {}).values() for p in lang}
        | {p.lower() for lang in roles[name].phrases.values() for p in lang})))
        for name in order)


@lru_cache(maxsize=32)
def _patterns(key: tuple) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One regular expression per role (every language's cues: posts often mix them)."""
    found = []
    for name, phrases in key:
        if phrases:
            words = "|".join(sorted(map(re.escape, phrases), key=len, reverse=True))
            found.append((name, re.compile(rf"(?<!\w)(?:{words})(?!\w)")))
    return tuple(found)


def classify(texts: Sequence[str | None], roles: RoleSet = DEFAULT_ROLES,
             answers_call: Sequence[bool] | None = None) -> list[str]:
    """The role of each text by its cues (see the module). ``answers_call[i]``: the post
    replies to the call to action with the campaign's phrase (then it is a disclosure)."""
    patterns = _patterns(_key(roles))
    out = []
    for i, text in enumerate(texts):
        if answers_call is not None and answers_call[i] and roles.disclosure in roles.names:
            out.append(roles.disclosure)
            continue
        low = (text or "").lower()
        out.append(next((name for name, pattern in patterns if pattern.search(low)),
                        roles.fallback))
    return out
