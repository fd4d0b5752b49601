"""CITATION.cff: valid Citation File Format 1.2.0, and saying what the software says of
itself (its version, and the title and authors of the methods paragraph's "cite as" line)."""

from __future__ import annotations

from pathlib import Path

import yaml

from groundswell import __version__
from groundswell.report.methods.references import AUTHORS, LICENSE, TITLE, cite_as

CFF = Path(__file__).resolve().parents[2] / "CITATION.cff"
#: What CFF 1.2.0 requires of every file, and what a software citation needs besides.
REQUIRED = ("cff-version", "message", "title", "authors")


def test_citation_file_is_valid_and_matches_the_software():
    data = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    assert all(data.get(key) for key in REQUIRED)
    assert data["cff-version"] == "1.2.0" and data["type"] == "software"
    assert data["version"] == __version__  # a string: "0.1.0", never a float
    assert data["title"] == TITLE and data["license"] == LICENSE
    authors = data["authors"]
    assert isinstance(authors, list) and authors
    for author in authors:  # a person has family-names, an entity a name
        assert isinstance(author, dict) and (author.get("name") or author.get("family-names"))
    assert [a.get("name") for a in authors] == [AUTHORS]
    assert isinstance(data["abstract"], str) and len(data["abstract"]) > 100
    assert f"{TITLE} (version {__version__})" in cite_as(__version__)
