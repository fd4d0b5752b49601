"""Groundswell: measure the magnitude and spread of a social-media awareness campaign.

The Python API is the product; the ``groundswell`` command is a thin layer over it::

    from groundswell import Store
    store = Store("metoo.duckdb")
    store.ingest(["tweets.jsonl.gz"])
    store.report(tags=["metoo"])          # dict of the magnitude numbers
    store.hashtags(top=20)                # pandas DataFrame
"""

from groundswell.store import Store, StoreBusy, StoreError, StoreFull

__version__ = "0.1.0"
__all__ = ["Store", "StoreBusy", "StoreError", "StoreFull", "__version__"]
