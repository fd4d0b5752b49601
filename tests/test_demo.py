"""`groundswell demo` runs the whole pipeline and writes an offline HTML page."""

from __future__ import annotations

import json

from click.testing import CliRunner

from groundswell.cli import main


def test_demo_end_to_end(tmp_path):
    workdir = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--posts", "5000", "--dir", str(workdir)])
    assert result.exit_code == 0, result.output
    assert "Magnitude" in result.output and "HTML report" in result.output
    truth = json.loads((workdir / "metoo.truth.json").read_text())
    assert f"{truth['matched_posts']:,}" in result.output
    page = (workdir / "report.html").read_text()
    assert "<script" in page and "Plotly" in page
    assert "<script src=" not in page and 'src="http' not in page  # works offline
    # a second run starts from scratch and gives the same numbers
    again = CliRunner().invoke(main, ["demo", "--posts", "5000", "--dir", str(workdir)])
    assert again.exit_code == 0
    numbers = lambda out: out.split("Magnitude")[1].split("Spread")[0]  # noqa: E731
    assert numbers(again.output) == numbers(result.output)  # pseudonyms differ: a new store
