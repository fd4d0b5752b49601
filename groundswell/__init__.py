"""Groundswell: measure the magnitude and spread of a social-media awareness campaign.

The Python API (:mod:`groundswell.api`) is the product; the ``groundswell`` command is a thin
layer over it::

    from groundswell import Store
    store = Store("metoo.duckdb")
    store.ingest(["tweets.jsonl.gz"])
    store.report(tags=["metoo"])          # dict of every metric's result
    store.hashtags(top=20)                # pandas DataFrame
"""

from groundswell.api import Store
from groundswell.store import StoreBusy, StoreError, StoreFull

__version__ = "0.1.0"
__all__ = ["Store", "StoreBusy", "StoreError", "StoreFull", "__version__"]
