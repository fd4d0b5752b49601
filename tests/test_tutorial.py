"""docs/tutorial.ipynb runs top to bottom on this checkout's Python, in a folder of its own,
and what it prints is what the API says; the committed file carries no outputs."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from groundswell import Store, api
from groundswell.campaign import Campaign
from groundswell.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: The last cell the test adds to its copy: which Python the kernel ran on.
WHICH_PYTHON = "import sys\nprint(sys.executable)"


def _kernelspec(folder: Path) -> None:
    """A ``python3`` kernel that is this interpreter (found first through JUPYTER_PATH):
    whatever kernels the machine has, the notebook runs on the checkout's venv."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (this checkout)", "language": "python"}))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The notebook executed in a temporary folder: ``(executed notebook, that folder)``."""
    home = tmp_path_factory.mktemp("tutorial")
    cwd, jupyter = home / "cwd", home / "jupyter"
    cwd.mkdir()
    _kernelspec(jupyter / "data")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHICH_PYTHON, id="which-python"))
    # no user's Jupyter or IPython settings, and nothing written to the home folder
    # (the pseudonym keys go to the tests' own folder: conftest's GROUNDSWELL_KEY_DIR)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(jupyter / "data"))
        env.setenv("JUPYTER_CONFIG_DIR", str(jupyter / "config"))
        env.setenv("JUPYTER_RUNTIME_DIR", str(jupyter / "runtime"))
        env.setenv("IPYTHONDIR", str(jupyter / "ipython"))
        env.delenv("JUPYTER_PREFER_ENV_PATH", raising=False)
        NotebookClient(nb, timeout=180, startup_timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}}).execute()
    return nb, cwd


def _cell(nb, cell_id: str):
    found = [c for c in nb.cells if c.get("id") == cell_id]
    assert len(found) == 1, f"no single cell {cell_id!r} in the notebook"
    return found[0]


def _printed(nb, cell_id: str) -> str:
    return "".join(o["text"] for o in _cell(nb, cell_id).outputs
                   if o["output_type"] == "stream" and o["name"] == "stdout")


def _shown(nb, cell_id: str, mime: str):
    found = [o["data"][mime] for o in _cell(nb, cell_id).outputs
             if o["output_type"] in ("display_data", "execute_result") and mime in o["data"]]
    assert found, f"cell {cell_id!r} shows no {mime}"
    return found[-1]


def _count(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in:\n{text}"
    return int(found.group(1).replace(",", ""))


def _values(array) -> np.ndarray:
    """A Plotly JSON array: a list, or (Plotly 6+) ``{"dtype", "bdata"}`` base64."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


@pytest.fixture(scope="module")
def truth(run):
    """What the API says of the store and campaign the notebook made."""
    _, cwd = run
    work = cwd / "tutorial-data"
    campaign = Campaign.load(work / "metoo.campaign.toml")
    with Store(work / "metoo.duckdb", read_only=True) as store:
        return {"magnitude": api.report(store, campaign, metrics=["magnitude"])["magnitude"],
                "stored": store.count("posts"),
                "platforms": {p for p, _ in campaign.origins}}


def test_the_tutorial_runs_on_this_python_in_its_own_folder(run):
    nb, cwd = run
    assert _printed(nb, "which-python").strip() == sys.executable
    assert (cwd / "tutorial-data" / "metoo.duckdb").is_file()
    assert not (ROOT / "docs" / "tutorial-data").exists()
    assert not any(o["output_type"] == "error" for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def test_what_the_tutorial_prints_is_what_the_api_says(run, truth):
    nb, _ = run
    magnitude = truth["magnitude"]
    stored = _printed(nb, "ingest")
    assert _count(stored, r"holds ([\d,]+) posts") == truth["stored"]
    assert _count(stored, r"simulator wrote ([\d,]+)") == truth["stored"]
    report = _printed(nb, "report-check")
    assert _count(report, r"([\d,]+) participants and") == magnitude["participants"]
    assert _count(report, r"behind ([\d,]+) matching posts") == magnitude["posts"]
    # the simulator's truth, as the notebook prints it, is what the pipeline found
    assert _count(report, r"Planted: ([\d,]+) participants") == magnitude["participants"]
    assert _count(_printed(nb, "ibis-matched"), r"([\d,]+) matching posts") == magnitude["posts"]
    # the Ibis question counts each participant once, by the report's rule
    own = _printed(nb, "ibis-answer")
    assert _count(own, r"([\d,]+) participants in all") == magnitude["participants"]
    assert "SELECT" in _printed(nb, "ibis-sql")


def test_the_chart_is_a_plotly_figure_of_every_platform(run, truth):
    nb, _ = run
    figure = _shown(nb, "chart", "application/vnd.plotly.v1+json")
    traces = {t["name"]: _values(t["y"]) for t in figure["data"]}
    assert set(traces) == truth["platforms"]
    # cumulative: never falling, and ending at every participant of the campaign
    assert all((np.diff(y) >= 0).all() for y in traces.values())
    assert sum(int(y[-1]) for y in traces.values()) == truth["magnitude"]["participants"]


def test_the_privacy_cells_show_pseudonyms_and_hide_small_counts(run):
    nb, _ = run
    table = _shown(nb, "privacy", "text/plain")
    rows = re.findall(r"^\s*\d+\s+\d+\s+(\S+)\s+(True|False)\s+(\S+)\s*$", table, re.M)
    assert rows, table
    private = [(account, at) for account, public, at in rows if public == "False"]
    assert private, "no private account among the first participants"
    for account, at in private:
        assert re.fullmatch(r"acct-[0-9a-f]+", account), account
        assert at.endswith(":00:00Z"), at  # a private account's times are cut to the hour
    hidden = _count(_printed(nb, "privacy-own"), r"(\d+) of the chart's")
    assert hidden > 0
    assert "<10" in _shown(nb, "privacy-own", "text/plain")
    assert re.search(r"and \d+ more are withheld", _printed(nb, "privacy-own"))


def test_the_committed_notebook_is_clean():
    """Stored without outputs (they are regenerated by running it), with stable cell ids."""
    nb = nbformat.read(NOTEBOOK, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.id
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids), ids


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_commands_and_links_the_notebook_shows_exist():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = _markdown(nb)
    commands = [line.split("#")[0] for line in re.findall(r"^groundswell .*$", text, re.M)]
    assert commands
    for line in commands:
        words = shlex.split(line)[1:]
        command = main.commands.get(words[0])
        assert command is not None, line
        known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        unknown = [w for w in words if w.startswith("-") and w not in known]
        assert not unknown, f"{line}: {unknown}"
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text)
    assert links
    missing = [link for link in links if not (NOTEBOOK.parent / link).exists()]
    assert not missing, missing
    assert os.path.basename(NOTEBOOK) in (ROOT / "README.md").read_text(encoding="utf-8")
