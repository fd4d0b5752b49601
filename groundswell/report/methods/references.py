"""The works a methods paragraph cites, and the line to cite Groundswell itself by.

Why a fixed list: every reference here was checked (authors, year, title, venue, DOI or URL)
and each is cited only where the paragraph uses what it describes, so a paper quoting the
paragraph quotes no reference it does not need. The numbering follows first use.
"""

from __future__ import annotations

#: Groundswell as CITATION.cff names it (tests/report/test_citation.py keeps the two equal).
TITLE = "Groundswell"
AUTHORS = "The Groundswell developers"
LICENSE = "MIT"

REFERENCES: dict[str, str] = {
    "twitter-text": "Twitter, Inc. twitter-text: hashtag, mention and URL extraction "
                    "(reference implementation and conformance suite). "
                    "https://github.com/twitter/twitter-text",
    "atproto": "Bluesky Social PBC. AT Protocol reference implementation, rich-text facet "
               "detection (packages/api/src/rich-text/detection.ts). "
               "https://github.com/bluesky-social/atproto",
    "mastodon": "Mastodon gGmbH. Mastodon: hashtag rule (app/models/tag.rb, Tag::HASHTAG_RE) "
                "and trending tags (app/models/trends/tags.rb). "
                "https://github.com/mastodon/mastodon",
    "goel": "Goel, S., Anderson, A., Hofman, J. M., & Watts, D. J. (2016). The structural "
            "virality of online diffusion. Management Science, 62(1), 180–196. "
            "https://doi.org/10.1287/mnsc.2015.2158",
    "kleinberg": "Kleinberg, J. (2002). Bursty and hierarchical structure in streams. In "
                 "Proceedings of the 8th ACM SIGKDD International Conference on Knowledge "
                 "Discovery and Data Mining (pp. 91–101). "
                 "https://doi.org/10.1145/775047.775061",
    "forman": "Forman, G. (2008). Quantifying counts and costs via classification. Data "
              "Mining and Knowledge Discovery, 17(2), 164–206. "
              "https://doi.org/10.1007/s10618-008-0097-y",
    "bella": "Bella, A., Ferri, C., Hernández-Orallo, J., & Ramírez-Quintana, M. J. (2010). "
             "Quantification via probability estimators. In 2010 IEEE International "
             "Conference on Data Mining (pp. 737–742). https://doi.org/10.1109/ICDM.2010.75",
    "quapy": "Moreo, A., Esuli, A., & Sebastiani, F. (2021). QuaPy: A Python-based framework "
             "for quantification. In Proceedings of the 30th ACM International Conference on "
             "Information & Knowledge Management (pp. 4534–4543). "
             "https://doi.org/10.1145/3459637.3482015",
    "dwork": "Dwork, C., McSherry, F., Nissim, K., & Smith, A. (2006). Calibrating noise to "
             "sensitivity in private data analysis. In Theory of Cryptography (TCC 2006), "
             "LNCS 3876 (pp. 265–284). https://doi.org/10.1007/11681878_14",
    "opendp": "The OpenDP Project. OpenDP Library. https://opendp.org",
}


class Citations:
    """Numbers references in order of first use: ``cite("kleinberg")`` → ``"[1]"``."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def cite(self, *keys: str) -> str:
        numbers = []
        for key in keys:
            if key not in REFERENCES:
                raise KeyError(f"no reference {key!r}")
            if key not in self.used:
                self.used.append(key)
            numbers.append(str(self.used.index(key) + 1))
        return "[" + ", ".join(numbers) + "]"

    def listed(self) -> list[str]:
        """The full references, in the order of their numbers."""
        return [REFERENCES[key] for key in self.used]


def cite_as(version: str) -> str:
    """How to cite the software (CITATION.cff at the repository's root says the same)."""
    return f"{AUTHORS}. {TITLE} (version {version}) [computer software]. License {LICENSE}."
