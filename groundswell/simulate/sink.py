"""Where lines go: a buffered (optionally compressed) file fed by a background thread, plus
the planted malformed lines.

Why a thread: serialising is CPU-bound Python while ``write`` and zlib/zstd compression
release the GIL, so on a 2-core machine the second core compresses and writes while the
first builds the next chunk. Why deterministic compression settings: same seed → identical
bytes, so the gzip header carries no file name and a zero mtime.
"""

from __future__ import annotations

import gzip
import queue
import threading
from pathlib import Path

import numpy as np

#: Lines that are not JSON at all, as they turn up in real collections (proxies, dumps).
GARBAGE = (
    "Rate limit exceeded",
    "<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
    "HTTP/1.1 500 Internal Server Error",
    "{\"data\": [{\"id\": \"",
    "Exceeded connection limit for user",
)
_FLUSH_BYTES = 4 << 20


class Sink:
    """Write text lines to ``path`` (``.gz`` → gzip, ``.zst`` → zstandard)."""

    def __init__(self, path: Path, gzip_level: int = 3) -> None:
        self.path = path
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._closer: list = []
        name = path.name.lower()
        if name.endswith(".gz"):
            self._out = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw,
                                      compresslevel=gzip_level, mtime=0)
            self._closer.append(self._out)
        elif name.endswith(".zst"):
            import zstandard  # optional: only needed for .zst output

            self._out = zstandard.ZstdCompressor(level=3).stream_writer(self._raw,
                                                                        closefd=False)
            self._closer.append(self._out)
        else:
            self._out = self._raw
        self._buf: list[str] = []
        self._size = 0
        self.lines = 0
        self._q: queue.Queue[bytes | None] = queue.Queue(maxsize=6)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self._q.get()) is not None:
                self._out.write(chunk)
        except BaseException as exc:  # reported on the next put / close
            self._error = exc
            while self._q.get() is not None:
                pass

    def line(self, text: str) -> None:
        """Queue one line (without its newline)."""
        self._buf.append(text)
        self._size += len(text)
        self.lines += 1
        if self._size >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            data = ("\n".join(self._buf) + "\n").encode("utf-8")
            self._buf = []
            self._size = 0
            if self._error:
                raise self._error
            self._q.put(data)

    def close(self) -> None:
        self.flush()
        self._q.put(None)
        self._thread.join()
        for c in self._closer:
            c.close()
        self._raw.close()
        if self._error:
            raise self._error


class Malformer:
    """Decides, up front, after which content lines a broken line is planted.

    A broken line is either a truncated copy of the line just written (so the post it carries
    is never lost: the full line is there too) or a garbage line. The count is ~0.01% of the
    content lines, at least 2 (one of each kind) once the run has ≥ 1000 posts.
    """

    def __init__(self, rng: np.random.Generator, content_lines: int, posts: int) -> None:
        n = int(round(content_lines * 1e-4))
        if posts >= 1000:
            n = max(2, n)
        n = min(n, content_lines)
        at = np.sort(rng.choice(content_lines, n, replace=False)) if n else np.zeros(0, int)
        kinds = rng.random(n) < 0.7  # True: truncated copy
        if n >= 2:
            kinds[0], kinds[1] = True, False
        self._plan = dict(zip(at.tolist(), kinds.tolist(), strict=True))
        self._cut = rng.uniform(0.05, 0.95, n).tolist()
        self._pick = rng.integers(0, len(GARBAGE), n).tolist()
        self._k = 0
        self.count = 0

    def after(self, index: int, line: str, sink: Sink) -> None:
        """Call after content line ``index`` was written; may write one broken line."""
        truncated = self._plan.get(index)
        if truncated is None:
            return
        k = self._k
        self._k += 1
        if truncated and len(line) > 1:
            cut = min(len(line) - 1, max(1, int(len(line) * self._cut[k])))
            sink.line(line[:cut])
        else:
            sink.line(GARBAGE[self._pick[k]])
        self.count += 1


def default_truth_path(out: Path) -> Path:
    """``campaign.jsonl`` / ``campaign.jsonl.gz`` → ``campaign.truth.json``."""
    return out.with_name(_stem(out) + ".truth.json")


def default_campaign_path(out: Path) -> Path:
    """``campaign.jsonl`` / ``campaign.jsonl.gz`` → ``campaign.campaign.toml``."""
    return out.with_name(_stem(out) + ".campaign.toml")


def default_roles_path(out: Path) -> Path:
    """``campaign.jsonl`` / ``campaign.jsonl.gz`` → ``campaign.roles.csv``."""
    return out.with_name(_stem(out) + ".roles.csv")


def _stem(out: Path) -> str:
    name = out.name
    for suffix in (".gz", ".zst", ".jsonl", ".ndjson", ".json"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


__all__ = ["Sink", "Malformer", "default_truth_path", "default_campaign_path",
           "default_roles_path", "GARBAGE"]
