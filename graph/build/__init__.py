"""The build stage: running read → resolve → graph into an output folder, safely.

* :mod:`.pipeline` — the build, its cache of the last build, and the freshness check;
* :mod:`.stream` — the streaming build for corpora larger than memory (``build --stream``);
* :mod:`.documents` — the document store: page records on disk, loaded one at a time;
* :mod:`.outdir` — atomic files, one generation per build, a lock per output folder;
* :mod:`.cachefile` — sealed cache files that can neither run code, hang nor bloat a reader;
* :mod:`.workers` — worker processes that never outlive the build that started them;
* :mod:`.progress` — the one progress display every long phase reports to.
"""
