"""Twitter's compliance notices in v2 form: batch compliance jobs, and the two compliance streams.

Why they matter: the Developer Agreement asks that stored tweets follow what their authors did
since (delete a tweet, protect or delete an account), and so does Groundswell's own rule that
a deletion removes the post and everything derived from it. Two shapes exist:

* a **compliance job**'s result line, ``{"id", "action": "delete", "created_at", "reason"}``,
  for tweets and for users alike (the same shape; the store tells a user's id from a tweet's,
  docs/schema.md). A job reports the current state, with no event that could undo it: every
  such delete removes for good.
* a **compliance stream** event, ``{"data": {EVENT: {"tweet" | "user": {"id", ...},
  "event_at"}}}`` (``GET /2/tweets/compliance/stream`` and ``/2/users/compliance/stream``).
  The streams carry the undoing events too (``user_undelete``, ``user_unprotect``,
  ``user_unsuspend``; X's table of recommended actions calls the user events "not
  permanent"), so an account that is deleted (Twitter keeps it 30 days), protected or
  suspended is *hidden* (its posts leave every metric) until its undoing event shows it
  again, as Bluesky's inactive accounts are; a tweet ``delete`` removes the tweet for good,
  and so does ``drop`` ("remove the Post from public view": privacy first; an ``undrop`` later
  cannot bring it back and is counted as skipped). Events about what Groundswell does not keep
  (locations, profile changes, per-country withholding) are skipped with their reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from groundswell.sources.base import Emitter, RecordError, as_str, id_str

#: How the source reads a notice's time (``event_at``, ``created_at``).
Clock = Callable[[object], datetime | None]

#: Tweet events that remove the tweet, and the deletion's reason.
TWEET_EVENTS = {"delete": "deleted", "drop": "dropped"}
#: User events: the account's status after it (None: active again).
USER_EVENTS: dict[str, str | None] = {
    "user_delete": "deactivated", "user_undelete": None,
    "user_protect": "protected", "user_unprotect": None,
    "user_suspend": "suspended", "user_unsuspend": None}
#: Events that change nothing here, and why.
SKIPS = {
    "undrop": "an undropped tweet stays removed: its drop deleted it",
    "tweet_edit": "the edited tweet arrives as a post of its own",
    "withheld": "withheld in some countries only: kept",
    "user_withheld": "withheld in some countries only: kept",
    "scrub_geo": "no location is stored",
    "user_profile_modification": "profiles are read from the tweets' own data",
}


def is_stream_event(data: object) -> bool:
    """Whether a line's ``data`` is a compliance stream event (one key, a known event name)."""
    if type(data) is not dict or len(data) != 1:
        return False
    name = next(iter(data))
    return name in TWEET_EVENTS or name in USER_EVENTS or name in SKIPS


def parse_stream_event(data: dict, emit: Emitter, platform: str, parse_time: Clock) -> None:
    """One compliance stream event (see the module)."""
    name, body = next(iter(data.items()))
    if type(body) is not dict:
        raise RecordError(f"compliance {name} event is a {type(body).__name__}, not an object")
    if name in SKIPS:
        emit.skip(f"compliance {name} ({SKIPS[name]})")
        return
    at = parse_time(body.get("event_at"))
    subject = "tweet" if name in TWEET_EVENTS else "user"
    thing = body.get(subject)
    subject_id = id_str(thing.get("id")) if type(thing) is dict else None
    if subject_id is None:
        raise RecordError(f"compliance {name} event without a {subject} id")
    if subject == "tweet":
        emit.delete(platform, subject_id, at, TWEET_EVENTS[name])
        return
    status = USER_EVENTS[name]
    emit.account_status(platform, subject_id, status is None, status, at)


def parse_job_line(obj: dict, emit: Emitter, platform: str, parse_time: Clock) -> None:
    """One result line of a compliance job (tweets' or users')."""
    action = obj.get("action")
    if action != "delete":
        emit.skip(f"compliance event {str(action)[:30]!r} (not a delete)")
        return
    post_id = id_str(obj.get("id"))
    if post_id is None:
        raise RecordError("compliance event without id")
    emit.delete(platform, post_id, parse_time(obj.get("created_at")), as_str(obj.get("reason")))
