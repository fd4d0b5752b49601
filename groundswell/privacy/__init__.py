"""Protecting the people who disclosed: the privacy policy every output applies.

Why a layer of its own: a campaign like #MeToo is made of people telling strangers about an
assault. Whoever runs Groundswell holds their posts; whoever reads its outputs must learn about
the campaign, never about one of them. The policy (:mod:`.policy`) is read from the campaign
file and applied to every output (terminal, ``--json``, HTML, PNG, dashboard, Parquet export,
``frames``); the pseudonym key lives outside the store (:mod:`.keys`); small cells are
suppressed (:mod:`.suppress`); magnitude numbers can be released with differential privacy
(:mod:`.dp`, :mod:`.ledger`); and accounts or posts can be forgotten (:mod:`.forget`).
docs/privacy.md states the threat model.
"""
