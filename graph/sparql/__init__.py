"""SPARQL over a build: the store, running queries, pushing to a triple store.

* :mod:`.store` — the Oxigraph store made from a build;
* :mod:`.run` — checking and running one query with a time and memory limit;
* :mod:`.sandbox` — what a query process does to itself first (no network, bounded memory);
* :mod:`.push` — loading a build into the user's own triple store (Graph Store Protocol);
* ``queries/`` — the bundled ready queries.
"""
