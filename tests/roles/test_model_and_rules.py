"""The rules say why; the model learns from labels, keeps its cross-validated outputs, saves
and loads, and says what is wrong with labels it cannot learn from."""

from __future__ import annotations

import pytest

from groundswell.roles.model import RoleModel
from groundswell.roles.rules import classify
from groundswell.roles.sets import DEFAULT_ROLES, RoleSet, RoleSetError


def test_rules_by_cue_and_language():
    assert classify([
        "It happened to me at my first job.", "Moi aussi, j'avais 15 ans.",
        "Yo también, mi jefe.", "I believe you. You are not alone.", "Je te crois.",
        "According to a new survey, the movement keeps growing.",
        "This witch hunt has gone too far.", "Lovely sunset tonight.", ""]) == [
        "disclosure", "disclosure", "disclosure", "support", "support", "commentary",
        "opposition", "other", "other"]
    # a reply to the call to action with the phrase is a disclosure, whatever its words
    assert classify(["so many of us"], answers_call=[True]) == ["disclosure"]


def test_a_campaign_renames_merges_adds_and_gives_phrases():
    roles = RoleSet.from_config({
        "rename": {"commentary": "news"}, "merge": {"opposition": "other"},
        "add": {"call": {"description": "asks others to speak"}},
        "phrases": {"call": {"en": ["speak up", "share your story"]}}})
    assert roles.names == ("disclosure", "support", "news", "other", "call")
    assert roles.canonical("Opposition") == "other" and roles.canonical("commentary") == "news"
    assert classify(["Speak up, share your story", "A witch hunt"], roles) == ["call", "other"]
    for bad, message in (({"merge": {"other": "support"}}, "cannot be merged away"),
                         ({"rename": {"nope": "x"}}, "nope is not a role"),
                         ({"colour": 1}, "unknown key colour")):
        with pytest.raises(RoleSetError, match=message):
            RoleSet.from_config(bad)
    assert RoleSet.from_config(None) is DEFAULT_ROLES


def _labelled():
    texts, roles = [], []
    for i in range(40):
        texts += [f"it happened to me at work when I was {i}", f"I believe you, friend {i}",
                  f"report {i} on the movement says"]
        roles += ["disclosure", "support", "commentary"]
    return texts, roles


def test_train_save_load_predict(tmp_path):
    texts, roles = _labelled()
    model = RoleModel.train(texts, roles)
    assert model.roles == ("commentary", "disclosure", "support")
    assert model.cv_outputs.shape == (120, 3) and model.labels == 120
    loaded = RoleModel.load(model.save(tmp_path / "m.model"))
    assert loaded.predict(["it happened to me at work", "I believe you"]) == [
        "disclosure", "support"]
    found = loaded.estimate(["I believe you"] * 30 + ["it happened to me"] * 10, bootstrap=50)
    share = dict(zip(found.roles, found.share, strict=True))
    assert abs(share["support"] - 0.75) < 0.05


def test_labels_it_cannot_learn_from(tmp_path):
    with pytest.raises(ValueError, match="at least two roles with two labelled posts"):
        RoleModel.train(["a", "b", "c"], ["x", "x", "y"])
    lonely = RoleModel.train(["red apple", "green apple", "blue sky", "grey sky", "hot sun"],
                             ["x", "x", "y", "y", "z"])
    assert lonely.meta["ignored"] == ["z"] and lonely.labels == 4
    with pytest.raises(ValueError, match="not in the set: zebra"):
        RoleModel.train(["a", "b"], ["zebra", "x"], role_names=["x", "y"])
    (tmp_path / "junk.model").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a groundswell roles model"):
        RoleModel.load(tmp_path / "junk.model")
