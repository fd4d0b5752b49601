"""Shared Playwright helper: Debian's chromium (never a downloaded browser), headless.

``make test`` installs ``/usr/bin/chromium`` (the ``browser`` target); when it is missing, or
the ``playwright`` package is not installed, tests using :func:`chromium_page` are skipped with
the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from groundswell.report.png import CHROMIUM, LAUNCH_ARGS  # one definition of how we launch it

__all__ = ["CHROMIUM", "LAUNCH_ARGS", "browser_available", "chromium_page"]


def _playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def browser_available() -> bool:
    """True when Debian's chromium and the playwright package are both present."""
    return os.access(CHROMIUM, os.X_OK) and _playwright_installed()


def _skip_reason() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found: run `make browser` (installs Debian's chromium)"
    if not _playwright_installed():
        return "the playwright package is not installed: pip install -e '.[test]'"
    return None


@contextmanager
def chromium_page(viewport: dict | None = None) -> Iterator:
    """A Playwright page (sync API) in headless chromium.

    Console errors and uncaught page errors are collected on ``page.console_errors``
    (a list of strings). Skips the calling test when chromium or playwright is missing.
    """
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
            errors: list[str] = []
            page.console_errors = errors
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            yield page
        finally:
            browser.close()
