"""The practical floor: parse every line with orjson and count hashtags, nothing else."""

from __future__ import annotations

import sys
from collections import Counter

import orjson


def main(path: str) -> None:
    tags: Counter[str] = Counter()
    tweets = 0
    with open(path, "rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                continue
            if "user" in obj:  # v1.1 status
                items = [obj]
            else:
                data = obj.get("data")
                items = data if isinstance(data, list) else [data] if data else []
                items = items + obj.get("includes", {}).get("tweets", [])
            for tweet in items:
                tweets += 1
                ents = tweet.get("entities") or {}
                for h in ents.get("hashtags", ()):
                    tags[(h.get("tag") or h.get("text") or "").lower()] += 1
    print(tweets, len(tags))


if __name__ == "__main__":
    main(sys.argv[1])
