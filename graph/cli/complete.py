"""Shell completion of topic arguments from the last build, quick and silent.

Candidates come from the query cache of the last build in the out folder, never
from a new build: a <TAB> must not wait for the pages to be read. The names are
kept beside the cache (``graph-KEY.topics.json``, stamped with the cache's size
and mtime), so only the first completion after a build unpickles the graph.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from graph.build.cachefile import read_regular
from graph.build.outdir import atomic_write_bytes
from graph.build.record import cache_path, query_inputs
from graph.errors import PickgraphError
from graph.cli.state import State
from graph.cli.term import printable
from graph.resolve.names import slugify

#: Larger than any names file pickgraph writes
NAMES_LIMIT = 256 << 20

def _stamp(cache: Path) -> list[int]:
    st = cache.stat()
    return [st.st_size, st.st_mtime_ns]


def topic_index(cache: Path) -> list[list[Any]]:
    """``[slug, name, [labels]]`` of every topic in a query cache, read from its names file when current."""
    names = cache.with_name(cache.stem + ".topics.json")
    stamp = _stamp(cache)
    try:
        data = json.loads(read_regular(names, NAMES_LIMIT) or b"{}")  # never waits on a pipe in its place
        if data["cache"] == stamp:
            return data["topics"]
    except (OSError, PickgraphError, ValueError, KeyError, TypeError):
        pass
    from graph.build.pipeline import load_cache  # late: the pipeline, only when the names file is stale

    G = load_cache(cache, None, documents=False)
    topics = sorted([n, d.get("name", n), list(d.get("labels", []))] for n, d in G.nodes(data=True))
    try:
        atomic_write_bytes(names, json.dumps({"cache": stamp, "topics": topics}, ensure_ascii=False).encode())
    except (OSError, PickgraphError):
        pass  # a read-only out folder: the next completion reads the cache again
    return topics


def matching(topics: list[list[Any]], incomplete: str) -> list[CompletionItem]:
    """Topics whose slug, name or a label starts with ``incomplete`` (any case), as their slugs.

    Slugs are offered because they need no quoting in a shell; every command accepts them.

    >>> [c.value for c in matching([["postgresql", "PostgreSQL", ["PostgreSQL", "Postgres"]],
    ...                            ["ruby-on-rails", "Ruby on Rails", []]], "Ruby o")]
    ['ruby-on-rails']
    """
    text, slug = incomplete.casefold(), slugify(incomplete) if incomplete.strip() else ""
    out = []
    for s, name, labels in topics:
        if s.startswith(slug) or any(label.casefold().startswith(text) for label in [name, *labels]):
            out.append(CompletionItem(s, help=printable(name)))  # zsh and fish show it in their menu
    return out


def complete_topic(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The ``shell_complete`` of a topic argument: topics of the last build in the out folder, or none."""
    try:
        state = ctx.find_object(State) or State()
        paths = list(state.corpus) or _last_build_paths(state.out)
        return matching(topic_index(cache_path(state.out, paths)), incomplete)
    except Exception:  # no build, a torn cache, …: completion offers nothing rather than a traceback at the prompt
        return []


def _last_build_paths(out: str) -> list[str]:
    if not os.path.isdir(out):
        return []
    return query_inputs(out).paths


__all__ = ["complete_topic", "topic_index", "matching"]
