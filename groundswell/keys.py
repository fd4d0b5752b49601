"""The pseudonym key: outside the store, readable by its owner only.

Why outside: a pseudonym (``acct-3f9c…``) protects a private account only while the key that
made it is secret. A key kept inside the store travels with every copy of the store and every
export, so whoever got the data could recompute who is who. The key therefore lives in its own
file — ``$GROUNDSWELL_KEY_DIR/<store id>.key``, by default under
``$XDG_CONFIG_HOME/groundswell/keys/`` (``~/.config/groundswell/keys/``) — created with
owner-only permissions (0600, in a 0700 folder).

Losing the key never loses data: a new key is made and outputs get new pseudonyms; only the
link to pseudonyms published earlier is gone. ``groundswell keys rotate`` does that on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


class KeyFileError(OSError):
    """A key file that cannot be read or written; the message says which and why."""


def key_dir() -> Path:
    """Where key files live: ``GROUNDSWELL_KEY_DIR``, else the user's config folder."""
    chosen = os.environ.get("GROUNDSWELL_KEY_DIR")
    if chosen:
        return Path(chosen).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "groundswell" / "keys"


def key_path(store_id: str) -> Path:
    return key_dir() / f"{store_id}.key"


def load_key(store_id: str, create: bool = True) -> bytes:
    """The key of the store ``store_id``; made (owner-only) when missing and ``create``."""
    path = key_path(store_id)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return b""
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read the pseudonym key {path}: {exc}") from None
    return write_key(store_id, secrets.token_bytes(KEY_BYTES), replace=False)


def write_key(store_id: str, key: bytes, replace: bool = True) -> bytes:
    """Write ``key`` as the store's key, owner-only; returns the key in force (a key another
    process wrote first wins when ``replace`` is False)."""
    path = key_path(store_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key.hex() + "\n")
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if another process made the key meanwhile
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise KeyFileError(f"cannot write the pseudonym key {path}: {exc}") from None
    return key


def rotate(store_id: str) -> Path:
    """A new key for the store: every pseudonym changes, the data does not."""
    write_key(store_id, secrets.token_bytes(KEY_BYTES), replace=True)
    return key_path(store_id)


def fingerprint(key: bytes) -> str:
    """A short public name of a key (which key made an output), not the key."""
    return hashlib.sha256(b"groundswell-key:" + key).hexdigest()[:12]


def pseudonym(key: bytes, platform: str, author_id: str) -> str:
    """An account's keyed pseudonym: stable under one key, meaningless without it."""
    digest = hmac.new(key, f"{platform}:{author_id}".encode(), hashlib.sha256).hexdigest()
    return f"acct-{digest[:10]}"


def post_pseudonym(key: bytes, platform: str, post_id: str) -> str:
    """A private account's post as a keyed pseudonym (exports keep the threads' shape)."""
    digest = hmac.new(key, f"post:{platform}:{post_id}".encode(), hashlib.sha256).hexdigest()
    return f"post-{digest[:16]}"
