"""Without the roles extra (scikit-learn, QuaPy) the rules still classify, and everything that
needs a trained model says, in one line, what to install; the missing packages are simulated
by blocking their imports (``sys.modules[name] = None``)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import pytest
from click.testing import CliRunner

from groundswell import api
from groundswell.cli import main
from groundswell.demo import campaign_from_truth
from groundswell.roles.extra import ExtraMissing, require_roles_extra
from groundswell.roles.model import RoleModel, evaluation
from groundswell.roles.prevalence import estimate
from groundswell.simulate import simulate

NEEDS = "needs the roles extra: pip install 'groundswell[roles]'"


def _labelled():
    texts, roles = [], []
    for i in range(12):
        texts += [f"it happened to me at work when I was {i}", f"I believe you, friend {i}",
                  f"report {i} on the movement says"]
        roles += ["disclosure", "support", "commentary"]
    return texts, roles


def _block(monkeypatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A small simulated campaign in a store, and a model trained (with the extra) on it."""
    tmp = tmp_path_factory.mktemp("extra")
    truth = simulate(3000, seed=3, out=tmp / "c.jsonl")
    with api.Store(tmp / "c.duckdb") as store:
        store.ingest([tmp / "c.jsonl"])
    model = RoleModel.train(*_labelled()).save(tmp / "m.model")
    return tmp, truth, model


def test_nothing_missing_nothing_raised():
    require_roles_extra()


@pytest.mark.parametrize(("blocked", "named"), [
    (("sklearn",), "(scikit-learn is not installed)"),
    (("quapy",), "(QuaPy is not installed)"),
    (("sklearn", "quapy"), "(scikit-learn and QuaPy are not installed)"),
])
def test_the_message_names_the_extra_and_what_is_missing(monkeypatch, blocked, named):
    _block(monkeypatch, *blocked)
    with pytest.raises(ImportError) as caught:  # an ImportError for Python callers
        require_roles_extra("training a role model")
    assert isinstance(caught.value, ExtraMissing)
    assert str(caught.value) == f"training a role model {NEEDS} {named}"


def test_training_loading_and_evaluating_say_so(monkeypatch, simulated):
    _, _, model = simulated
    _block(monkeypatch, "sklearn")
    with pytest.raises(ExtraMissing, match=r"^training a role model needs the roles extra"):
        RoleModel.train(*_labelled())
    # unpickling would fail deep inside pickle with "No module named 'sklearn'"
    with pytest.raises(ExtraMissing, match=rf"^the role model {model} needs the roles extra"):
        RoleModel.load(model)
    with pytest.raises(ExtraMissing, match="^evaluating a role model needs the roles extra"):
        evaluation(("a", "b"), [0, 1], [0, 1])


def test_the_corrected_shares_need_quapy_the_plain_count_does_not(monkeypatch):
    _block(monkeypatch, "quapy")
    eye = [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ExtraMissing, match=r"^correcting the role shares \(pacc, acc\) needs"):
        estimate(("a", "b"), eye, [0, 1], [[0.9, 0.1]], method="pacc", bootstrap=0)
    counted = estimate(("a", "b"), eye, [0, 1], [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]],
                       method="cc", bootstrap=0)
    assert counted.share == pytest.approx((2 / 3, 1 / 3))


def test_the_cli_prints_one_line_and_exits_1(monkeypatch, simulated, tmp_path):
    _block(monkeypatch, "sklearn", "quapy")
    labels = tmp_path / "labels.ndjson"
    labels.write_text("".join(json.dumps({"text": t, "role": r}) + "\n"
                              for t, r in zip(*_labelled(), strict=True)))
    result = CliRunner().invoke(main, ["roles", "train", "--labels", str(labels),
                                       "-o", str(tmp_path / "m.model")])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f"error: training a role model {NEEDS} "
                                     "(scikit-learn and QuaPy are not installed)")
    assert not (tmp_path / "m.model").exists()
    _, _, model = simulated
    result = CliRunner().invoke(main, ["roles", "evaluate", "--model", str(model)])
    assert result.exit_code == 1 and f"the role model {model} {NEEDS}" in result.stderr


def test_a_report_with_a_model_says_so_and_the_rules_need_nothing(monkeypatch, simulated):
    tmp, truth, model = simulated
    _block(monkeypatch, "sklearn", "quapy")
    with_model = tmp / "with-model.toml"
    planted = (tmp / "c.campaign.toml").read_text()
    with_model.write_text(planted + f'\n[roles]\nmodel = "{model}"\n')
    result = CliRunner().invoke(main, ["report", "--db", str(tmp / "c.duckdb"),
                                       "--campaign", str(with_model), "--metric", "roles"])
    assert result.exit_code == 1, result.output
    assert f"error: the role model {model} {NEEDS}" in result.stderr
    # the same campaign without a model: the rules classify, no extra needed
    campaign = replace(campaign_from_truth(truth), roles_config=json.dumps({}))
    with api.Store(tmp / "c.duckdb", read_only=True) as store:
        roles = store.report(campaign=campaign, metrics=["roles"])["roles"]
    assert roles["classifier"].startswith("rules") and roles["method"] == "cc"
    assert sum(r["share"] for r in roles["posts"]) == pytest.approx(1, abs=1e-3)
