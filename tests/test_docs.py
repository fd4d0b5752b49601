"""Docs that are generated must not drift from the code."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

from groundswell.campaign import example

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("cli_reference",
                                                  ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    fresh = module.reference()
    diff = "".join(difflib.unified_diff(current.splitlines(True), fresh.splitlines(True)))
    assert not diff, f"docs/cli.md is stale: run `make docs`\n{diff}"


def test_example_campaign_is_the_packaged_template():
    assert (ROOT / "examples" / "metoo.toml").read_text(encoding="utf-8") == example("MeToo")
