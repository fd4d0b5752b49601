"""Turn a path (or ``-``) into numbered raw lines, whatever the compression.

Compression is sniffed from magic bytes, not the file name, because archives are often
renamed. Files that are one pretty-printed JSON document (a saved API response) are yielded as
a single record. Reading is streaming: memory does not grow with file size.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BOM = b"\xef\xbb\xbf"
WHOLE_DOCUMENT_LIMIT = 256 * 1024 * 1024  # pretty-printed JSON bigger than this is not sane


class TruncatedInput(Exception):
    """A compressed stream that ends early (a download cut short)."""


def provenance_name(path: Path) -> str:
    """The name stored with every row read from ``path``: its absolute path, as valid UTF-8
    (a Latin-1 file name would otherwise fail the store's write; ``\\xe9`` shows the byte)."""
    return os.fsencode(path.resolve()).decode("utf-8", "backslashreplace")


@dataclass
class InputFile:
    """One input: a display name (used in provenance) and how to open it."""

    name: str
    size: int | None
    _path: Path | None

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
        if self._path is None:
            return sys.stdin.buffer
        return open(self._path, "rb")


def _decompressed(raw: BinaryIO) -> BinaryIO:
    peek = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    if peek.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if peek.startswith(ZSTD_MAGIC):
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
    try:
        stream = _decompressed(raw)
        last_pos = 0
        first = True
        lineno = 0
        try:
            for line in stream:
                lineno += 1
                if first:
                    line = line.removeprefix(BOM)
                line = line.strip()
                if on_bytes is not None and source.size is not None and not lineno & 255:
                    pos = raw.tell()
                    if pos != last_pos:
                        on_bytes(pos - last_pos)
                        last_pos = pos
                if not line:
                    continue
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
            raise TruncatedInput(f"compressed stream {how} after line {lineno}: {exc}") from None
        except Exception as exc:  # zstandard raises its own ZstdError
            if type(exc).__name__ == "ZstdError":
                raise TruncatedInput(f"zstd stream is damaged after line {lineno}: {exc}") from None
            raise
    finally:
        if source._path is not None:
            raw.close()


def _whole_document(source: InputFile, first_line: bytes) -> bytes | None:
    """A file whose first line is not JSON but which as a whole is one JSON document."""
    if source._path is None or first_line[:1] not in (b"{", b"["):
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
    with open(source._path, "rb") as fh:
        stream = _decompressed(io.BufferedReader(fh))
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
