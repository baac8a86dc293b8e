"""The build stage: running read → resolve → graph into an output folder, safely.

* :mod:`.run` — :func:`~graph.build.run.build_into`, the one build function; :mod:`.signals` — what
  Ctrl-C and SIGTERM do to it;
* :mod:`.pipeline` — read → resolve → graph, and its cache of the last build;
* :mod:`.stream` — the streaming build for corpora larger than memory (``build --stream``);
* :mod:`.load` — what a query reads: the cached graph (rebuilt when stale) and the query index;
* :mod:`.record` — the out folder's layout and build record; :mod:`.freshness` — whether any input changed;
* :mod:`.queryindex`, :mod:`.textindex` — the query index and the full-text index beside the cache;
* :mod:`.documents` — the document store: page records on disk, loaded one at a time;
* :mod:`.outdir` — atomic files, one generation per build, a lock per output folder;
* :mod:`.cachefile` — sealed cache files that can neither run code, hang nor bloat a reader;
* :mod:`.workers` — worker processes that never outlive the build that started them;
* :mod:`.progress` — the one progress display every long phase reports to.
"""
