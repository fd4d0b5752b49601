"""A mapping file is checked before anything is read, with errors that say what to change."""

from __future__ import annotations

import pytest

from groundswell.sources.tables import Mapping, MappingError, load_mapping, preset, presets

MINIMAL = {"fields": {"created_at": "date", "text": "text"}}


def test_a_minimal_mapping_and_its_columns():
    mapping = Mapping.from_dict({"fields": {
        "created_at": {"column": "date", "format": "%d/%m/%Y", "timezone": "Europe/Paris"},
        "text": "body", "hashtags": {"column": "tags", "split": "|"},
        "kind": {"repost": {"column": "is_retweet?", "equals": "True"}}}})
    assert mapping.columns == ("date", "body", "tags", "is_retweet?")
    assert mapping.fields["created_at"].options == {"format": "%d/%m/%Y",
                                                    "timezone": "Europe/Paris"}
    assert mapping.kind["repost"].equals == ("True",)


@pytest.mark.parametrize(("data", "message"), [
    ({"fields": {"text": "t"}}, "created_at is required"),
    ({"fields": {"created_at": "d"}}, "needs text or post_id"),
    ({"fields": {**MINIMAL["fields"], "likes": "n"}}, "likes: not a field"),
    ({"fields": {**MINIMAL["fields"], "hashtags": {"column": "h", "sep": ","}}},
     "unknown option sep"),
    ({"fields": {**MINIMAL["fields"], "text": {"column": "a", "value": "b"}}},
     "exactly one of column, columns, value"),
    ({"fields": {**MINIMAL["fields"], "hashtags": {"column": "h", "key": "tag"}}},
     'only with split = "json"'),
    ({"fields": {**MINIMAL["fields"], "kind": {"retweet": {"column": "x", "equals": "1"}}}},
     "the conditions are repost, reply, quote"),
    ({"fields": {**MINIMAL["fields"], "kind": {"column": "t", "values": {"rt": "boost"}}}},
     "boost is not a kind"),
    ({**MINIMAL, "read": {"format": "xlsx"}}, "format: one of csv, tsv, ndjson, parquet"),
    ({**MINIMAL, "read": {"delimiter": ";;"}}, "delimiter: one character"),
    ({**MINIMAL, "read": {"encoding": "ebcdic"}}, "encoding: one of"),
    ({**MINIMAL, "columns": {}}, "unknown section columns"),
])
def test_what_is_wrong_is_said(data, message):
    with pytest.raises(MappingError, match=message):
        Mapping.from_dict(data)


def test_a_mapping_file_may_start_from_a_preset(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('preset = "twarc-csv"\n[fields]\ntext = "my_text"\n'
                    '[read]\ndelimiter = ";"\n')
    mapping = load_mapping(str(path))
    assert mapping.fields["text"].columns == ("my_text",)
    assert mapping.fields["post_id"].columns == ("id",)  # the preset's
    assert mapping.read.delimiter == ";" and mapping.read.format == "csv"


def test_files_that_are_not_mappings(tmp_path):
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping(str(tmp_path / "missing.toml"))
    (tmp_path / "bad.toml").write_text("[fields\n")
    with pytest.raises(MappingError, match="not a valid TOML file"):
        load_mapping(str(tmp_path / "bad.toml"))
    with pytest.raises(MappingError, match="no preset 'twarc'; the presets are: .*twarc-csv"):
        load_mapping(preset_name="twarc")


def test_every_preset_loads():
    assert {"twarc-csv", "4cat-ndjson", "4cat-csv", "minet-twitter",
            "minet-bluesky"} <= set(presets())
    for name in presets():
        assert preset(name).fields["created_at"].columns
