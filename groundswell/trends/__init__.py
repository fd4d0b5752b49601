"""Trends and bursts: which tags take off, and when.

- :mod:`~groundswell.trends.score` — the trending score (one definition, used by batch and
  streaming alike);
- :mod:`~groundswell.trends.batch` — per-window unique-account counts from the store (Ibis);
- :mod:`~groundswell.trends.bursts` — Kleinberg's two-state burst automaton;
- :mod:`~groundswell.trends.stream` — the same score over a stream in bounded memory
  (Apache DataSketches).
"""
