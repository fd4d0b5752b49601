"""Inputs as numbered lines: the one line reader behind every way of reading (a whole file or
stdin, a byte range of a file for a worker process, the growing end of a followed file).

Compression is sniffed from magic bytes (:func:`compression`), not the file name, because
archives are often renamed. A file's first line loses its byte-order mark, every line its
surrounding whitespace, and empty lines are skipped but counted, so a line's number is its
number in the file whichever reader read it (:class:`LineNumbers`). Files that are one
pretty-printed JSON document (a saved API response) are yielded as a single record. Reading
is streaming: memory does not grow with file size.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BOM = b"\xef\xbb\xbf"
WHOLE_DOCUMENT_LIMIT = 256 * 1024 * 1024  # pretty-printed JSON bigger than this is not sane
#: A worker's read buffer: twarc2 pages are lines of ~1.6 MB, which readline assembled from
#: 8 KiB reads (0.09-0.14 s per 128 MiB chunk; 0.03-0.04 s with 4 MiB).
READ_BUFFER = 4 * 2**20


class TruncatedInput(Exception):
    """A compressed stream that ends early (a download cut short)."""


def compression(head: bytes) -> str | None:
    """``"gzip"``, ``"zstd"`` or None (plain) for a stream starting with ``head`` (4 bytes
    suffice)."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


class LineNumbers:
    """Numbers and cleans raw lines, carrying the count from one call to the next.

    ``number`` counts every line read so far, empty ones too (it is the number of the last
    one); the line numbered 1 loses its byte-order mark. A reader that starts mid-file (a
    worker's byte range) starts at 0 as well and has its numbers shifted later; ``at_start``
    False says its first line is not the file's."""

    __slots__ = ("number", "_bom_line")

    def __init__(self, at_start: bool = True) -> None:
        self.number = 0
        self._bom_line = 1 if at_start else 0

    def clean(self, raw: bytes) -> bytes:
        """``raw`` as the next line would be read, without counting it."""
        if self.number + 1 == self._bom_line:
            raw = raw.removeprefix(BOM)
        return raw.strip()

    def __call__(self, raw_lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
        """``(number, line)`` for each non-empty line of ``raw_lines``."""
        bom_line = self._bom_line
        for raw in raw_lines:
            number = self.number = self.number + 1
            if number == bom_line:
                raw = raw.removeprefix(BOM)
            line = raw.strip()
            if line:
                yield number, line


def provenance_name(path: Path) -> str:
    """The name stored with every row read from ``path``: its absolute path, as valid UTF-8
    (a Latin-1 file name would otherwise fail the store's write; ``\\xe9`` shows the byte)."""
    return os.fsencode(path.resolve()).decode("utf-8", "backslashreplace")


@dataclass
class InputFile:
    """One input: a display name (used in provenance), its size and its path (None: stdin)."""

    name: str
    size: int | None
    path: Path | None

    @classmethod
    def from_arg(cls, arg: str | os.PathLike[str]) -> InputFile:
        if str(arg) == "-":
            return cls("<stdin>", None, None)
        path = Path(arg)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {arg}")
        if path.is_dir():
            raise IsADirectoryError(f"{arg} is a folder; pass the files (e.g. {arg}/*.jsonl)")
        return cls(provenance_name(path), path.stat().st_size, path)

    def open_raw(self) -> BinaryIO:
        if self.path is None:
            return sys.stdin.buffer
        return open(self.path, "rb")


def decompressed(raw: BinaryIO) -> BinaryIO:
    """``raw`` (a buffered stream, read from its start) decompressed as its bytes say."""
    kind = compression(raw.peek(4)[:4] if hasattr(raw, "peek") else b"")
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if kind == "zstd":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw))
    return raw


def iter_lines(
    source: InputFile, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, stripped_line)`` for non-empty lines, 1-based.

    ``on_bytes`` is told how many *raw* (compressed) bytes were consumed, for progress bars.
    Raises :class:`TruncatedInput` after the last good line if a compressed stream is cut.
    """
    raw = source.open_raw()
    if not isinstance(raw, io.BufferedReader):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    numbers = LineNumbers()
    try:
        stream = decompressed(raw)
        last_pos = 0
        first = True
        try:
            for lineno, line in numbers(stream):
                if on_bytes is not None and source.size is not None and not lineno & 255:
                    pos = raw.tell()
                    if pos != last_pos:
                        on_bytes(pos - last_pos)
                        last_pos = pos
                if first:
                    first = False
                    whole = _whole_document(source, line)
                    if whole is not None:
                        yield 1, whole
                        return
                yield lineno, line
            if on_bytes is not None and source.size is not None:
                on_bytes(source.size - last_pos)
        except (EOFError, gzip.BadGzipFile, OSError, zlib.error) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and \
                    "compressed" not in str(exc).lower() and "zstd" not in str(exc).lower():
                raise
            how = "ends early" if isinstance(exc, EOFError) else "is damaged"
            raise TruncatedInput(
                f"compressed stream {how} after line {numbers.number}: {exc}") from None
        except Exception as exc:  # zstandard raises its own ZstdError
            if type(exc).__name__ == "ZstdError":
                raise TruncatedInput(
                    f"zstd stream is damaged after line {numbers.number}: {exc}") from None
            raise
    finally:
        if source.path is not None:
            raw.close()


def byte_range(path: os.PathLike[str] | str, start: int, end: int) -> Iterator[bytes]:
    """The raw lines of a plain file that start in ``[start, end)`` (a worker's chunk, cut
    at newlines by the planner), read line by line: no copy of the whole range in memory."""
    with open(path, "rb", buffering=READ_BUFFER) as fh:
        fh.seek(start)
        position = start
        while position < end:
            raw = fh.readline()
            if not raw:
                return
            position += len(raw)
            yield raw


def _whole_document(source: InputFile, first_line: bytes) -> bytes | None:
    """A file whose first line is not JSON but which as a whole is one JSON document."""
    if source.path is None or first_line[:1] not in (b"{", b"["):
        return None
    try:
        orjson.loads(first_line)
        return None  # a normal JSON-lines file
    except orjson.JSONDecodeError:
        pass
    if source.size is None or source.size > WHOLE_DOCUMENT_LIMIT:
        return None
    chunks: list[bytes] = []
    total = 0
    with open(source.path, "rb") as fh:
        stream = decompressed(io.BufferedReader(fh))
        try:  # bounded: a bad first line of a big .gz must not pull gigabytes into memory
            while chunk := stream.read(1 << 20):
                chunks.append(chunk)
                total += len(chunk)
                if total > WHOLE_DOCUMENT_LIMIT:
                    return None
        except Exception:  # a cut or damaged stream is not one document; iter_lines says so
            return None
    data = b"".join(chunks).removeprefix(BOM)
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return data
