"""Groundswell: measure the magnitude and spread of a social-media awareness campaign.

The Python API (:mod:`groundswell.api`) is the product; the ``groundswell`` command is a thin
layer over it::

    from groundswell import Store
    store = Store("metoo.duckdb")
    store.ingest(["tweets.jsonl.gz"])
    store.report(tags=["metoo"])          # dict of every metric's result
    store.hashtags(top=20)                # pandas DataFrame
"""

from importlib import metadata as _metadata

from groundswell.api import Store
from groundswell.store import StoreBusy, StoreError, StoreFull

# One version, pyproject.toml's, read from the installed package's metadata.
try:
    __version__ = _metadata.version("groundswell")
except _metadata.PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
__all__ = ["Store", "StoreBusy", "StoreError", "StoreFull", "__version__"]
