"""The live dashboard (``groundswell serve``): a FastAPI app, its data access and its page.

- :mod:`~groundswell.web.live` — the store read briefly, read-only, last good values kept;
- :mod:`~groundswell.web.app` — the JSON endpoints (with an OpenAPI schema) and the page.
"""

from groundswell.web.app import create_app, serve
from groundswell.web.live import LiveStore

__all__ = ["LiveStore", "create_app", "serve"]
