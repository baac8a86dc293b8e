"""The read stage: the user's files → typed page records (and back to text).

* :mod:`.files` — which files a build reads in a folder, and reading one safely;
* :mod:`.parse` — text → a :class:`~graph.read.records.Comparison` or
  :class:`~graph.read.records.TopicPage`, or a rejection naming file, line and reason;
* :mod:`.records` — the records every later stage consumes;
* :mod:`.render` — records back to page text (for tests, fixtures and the generator).
"""

from graph.read.files import DEFAULT_MAX_BYTES, Inputs, InputFile, read_bytes, scan
from graph.read.parse import (
    EXAMPLE,
    MAX_NAME,
    PARALLEL_MIN,
    QUOTE_MAX,
    collect,
    name_key,
    normalise,
    parse_text,
    read_file,
    read_paths,
    sha256_text,
)

__all__ = [
    "DEFAULT_MAX_BYTES", "Inputs", "InputFile", "read_bytes", "scan",
    "EXAMPLE", "MAX_NAME", "PARALLEL_MIN", "QUOTE_MAX", "collect", "name_key", "normalise",
    "parse_text", "read_file", "read_paths", "sha256_text",
]
