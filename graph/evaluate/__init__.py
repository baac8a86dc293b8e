"""Tooling for measuring the queries, not queries themselves.

* :mod:`.score` — held-out evaluation of picks and suggestions;
* :mod:`.generate` — corpora drawn from a hidden model, for tests and benchmarks.
"""
