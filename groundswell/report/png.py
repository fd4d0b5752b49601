"""Charts as PNG files: the HTML report rendered in Debian's chromium, driven by Playwright.

Each chart is exported by plotly itself (``Plotly.toImage``) at its on-page size, so a PNG
looks exactly like the chart in the page. The browser is the system's (``/usr/bin/chromium``,
from ``apt-get install chromium`` or ``make browser``), never one downloaded by Playwright,
and every request leaving ``file:`` is refused: the page is self-contained, and rendering it
must not touch the network.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

CHROMIUM = os.environ.get("GROUNDSWELL_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
LOCAL = ("file:", "data:", "blob:", "about:")

_EXPORT_JS = """async (scale) => {
  await window.groundswellReady;
  const out = [];
  for (const gd of document.querySelectorAll('.plotly-graph-div')) {
    const url = await Plotly.toImage(gd, {format: 'png', scale: scale,
      width: Math.max(gd.offsetWidth, 600), height: Math.max(gd.offsetHeight, 300)});
    out.push([gd.id, url]);
  }
  return out;
}"""


class BrowserMissing(FileNotFoundError):
    """Chromium or the playwright package is not installed."""


def check_browser() -> None:
    """Raise :class:`BrowserMissing` with what to install, unless PNG export can work."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserMissing(
            f"--png needs Debian's chromium at {CHROMIUM}: install it with "
            "`sudo apt-get install chromium` (or `make browser`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise BrowserMissing(
            "--png needs the png extra: pip install 'groundswell[png]' (Playwright, which "
            "drives the system's chromium; no browser download is needed)") from None


def _block_network(route) -> None:
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort()


def open_page(playwright, html_path: Path):
    """Launch headless chromium, open the report offline, wait for every chart to draw."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=LAUNCH_ARGS)
    page = browser.new_page(viewport=VIEWPORT)
    page.route("**/*", _block_network)
    page.goto(Path(html_path).resolve().as_uri())
    page.wait_for_function("window.groundswellReady !== undefined")
    page.evaluate("() => window.groundswellReady")
    return browser, page


def write_pngs(html_path: Path, out_dir: Path, scale: int = 2) -> list[Path]:
    """Write every chart of an HTML report as ``NN-<chart>.png`` in ``out_dir``."""
    html_path = Path(html_path)
    if not html_path.is_file():
        raise FileNotFoundError(f"no HTML report at {html_path}")
    check_browser()
    from playwright.sync_api import sync_playwright

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as p:
        browser, page = open_page(p, html_path)
        try:
            charts = page.evaluate(_EXPORT_JS, scale)
        finally:
            browser.close()
    for i, (div_id, url) in enumerate(charts, 1):
        name = re.sub(r"[^a-z0-9-]+", "-", div_id.lower().removeprefix("chart-")).strip("-")
        target = out_dir / f"{i:02d}-{name or 'chart'}.png"
        target.write_bytes(base64.b64decode(url.split(",", 1)[1]))
        written.append(target)
    return written


def screenshot(html_path: Path, out: Path, height: int | None = None, top: int = 0) -> Path:
    """A screenshot of the rendered report: the whole page, or ``height`` pixels of it from
    ``top``."""
    check_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = open_page(p, Path(html_path))
        try:
            clip = {"x": 0, "y": top, "width": VIEWPORT["width"], "height": height} \
                if height else None
            page.screenshot(path=str(out), full_page=True, clip=clip)
        finally:
            browser.close()
    return Path(out)
