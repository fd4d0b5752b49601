"""The campaign file of a simulated campaign, for the benches that hand it to another process
(a dashboard, a writer): the planted tags, variants, response tags, phrase and origin, without
a window (live streams run past the simulated one)."""

from __future__ import annotations

import json
from pathlib import Path


def campaign_file(truth: dict, path: Path, name: str = "MeToo (simulated)",
                  extra: str = "") -> Path:
    """Write the planted campaign of ``truth`` to ``path`` (``extra``: more TOML, appended)."""
    planted = truth["campaign"]
    variants = ", ".join(f'{{ tag = "{t}", lang = "{lang}" }}'
                         for t, lang in planted["variants"].items())
    path.write_text(f'name = "{name}"\n[tags]\nmain = "metoo"\n'
                    f"variants = [{variants}]\nresponse = {json.dumps(planted['response_tags'])}\n"
                    f'[phrases]\nmatch = ["me too"]\n'
                    f"[origin]\npost_ids = {json.dumps(planted['origin_post_ids'])}\n{extra}",
                    encoding="utf-8")
    return path
