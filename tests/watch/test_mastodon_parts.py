"""The parts of ``watch mastodon`` on their own: the server-sent event parser, servers and
their tokens, the numbering of events, the campaign's tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from groundswell.campaign import Campaign, Variant
from groundswell.watch.mastodon import campaign_tags
from groundswell.watch.mastodon_instances import WatchError, host_variable, instances
from groundswell.watch.mastodon_poll import id_key, snowflake
from groundswell.watch.mastodon_sse import Event, EventParser, StreamError
from groundswell.watch.mastodon_writers import line_number

STREAM = (b":)\r\nevent: update\r\ndata: {\"id\":\"1\"}\r\n\r\n:thump\n"
          b"event: delete\ndata:12\n\n"
          b"data: first\ndata:  second\n\n"  # no event name: a message; one space dropped
          b"event: nothing\n\n"  # no data: not dispatched
          b"id: 5\nretry: 10\nevent: status.update\ndata: \xff\xfe\n\n")


def test_events_are_read_whatever_the_chunks():
    expected = [Event("update", b'{"id":"1"}'), Event("delete", b"12"),
                Event("message", b"first\n second"), Event("status.update", b"\xff\xfe")]
    for size in (1, 2, 7, len(STREAM)):
        parser = EventParser()
        events = [e for i in range(0, len(STREAM), size) for e in parser.feed(STREAM[i:i + size])]
        assert events == expected and parser.comments == 2


def test_a_line_without_end_is_a_broken_stream():
    parser = EventParser()
    with pytest.raises(StreamError):
        parser.feed(b"data: " + b"x" * (9 << 20))


def test_servers_and_their_tokens():
    env = {"GROUNDSWELL_MASTODON_TOKEN_CHAOS_SOCIAL": "c"}
    servers = instances(["mastodon.social", "https://Chaos.Social/", "mastodon.social"],
                        environ=env)
    assert [(s.base, s.host, s.token) for s in servers] == [
        ("https://mastodon.social", "mastodon.social", None),
        ("https://Chaos.Social", "chaos.social", "c")]
    assert servers[1].headers == {"Authorization": "Bearer c"}
    assert host_variable("T", "127.0.0.1:8080") == "T_127_0_0_1_8080"
    one = instances(["mastodon.social"], environ={"GROUNDSWELL_MASTODON_TOKEN": "m"})
    assert one[0].token == "m"


@pytest.mark.parametrize("urls, env, message", [
    (["a.social", "b.social"], {"GROUNDSWELL_MASTODON_TOKEN": "x"}, "belongs to one server"),
    (["http://a.social"], {"GROUNDSWELL_MASTODON_TOKEN": "x"}, "only sent over https"),
    (["https://a.social/api"], {}, "without a path"),
    ([], {}, "no instance"),
])
def test_servers_that_cannot_be_watched(urls, env, message):
    with pytest.raises(WatchError, match=message):
        instances(urls, environ=env)


def test_events_are_numbered_by_their_ids_or_a_stable_hash():
    assert line_number("114856169736898681", b"") == 114856169736898681
    broken = line_number(None, b"data: not json")
    assert broken < 0 and broken == line_number(None, b"data: not json")
    assert line_number("01HZX3ULIDULIDULID", b"") < 0  # a GoToSocial id is no number
    assert line_number("9" * 30, b"") < 0  # nor one too large for a line number


def test_ids_and_dates():
    assert id_key("99") < id_key("100") and id_key("A1") < id_key("B0")
    when = datetime(2025, 7, 15, 7, 54, 26, 542000, tzinfo=UTC)
    assert int(snowflake(when)) >> 16 == int(when.timestamp() * 1000)
    assert int(snowflake(when)) <= 114856169736898681  # that second's status on mastodon.social


def test_the_campaign_tags_followed():
    camp = Campaign(name="x", main_tag="metoo", variants=(Variant("balancetonporc"),
                                                          Variant("metoo")),
                    response_tags=("ibelieveyou",))
    assert campaign_tags(camp) == ["metoo", "balancetonporc", "ibelieveyou"]
