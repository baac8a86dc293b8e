"""The streaming build: any number of pages in bounded memory (``pickgraph build --stream``).

The in-memory build keeps every page record and a networkx graph; at a million
pages that is many GB. This build never holds the pages, only what the topic
graph's summary needs, in two passes over chunks of files:

1. **scan** (worker processes): read and parse a chunk, spool its records to a
   temporary file, return only what identity resolution needs
   (:func:`graph.kg.facts.identity_facts`), rejections and the sha256 of each page.
   The parent resolves the names of the whole corpus (duplicates are skipped).
2. **emit** (worker processes, the identity sent once to each): load a chunk's
   records, write its Turtle blocks (:mod:`graph.rdf.turtle`) and GraphML edges
   (:mod:`graph.export.graphml`) to part files, return the chunk's topology counts.

The parent then writes each export atomically: the header, the topic blocks or
nodes, then the parts in path order. The HTML page shows every topic of a corpus
of up to 1,500 topics and, above that, the overview of the 300 most connected (a
graph of those alone is built for it; its cards give no pick reasons, as the pages
are not kept). No query cache is written: query commands on such a corpus build
the graph in memory.

Output is deterministic: parts follow the sorted file order, topics are sorted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import networkx as nx

from graph.rdf import turtle
from graph.rdf.mapping import alias_labels
from graph.export import graphml
from graph.export.html import MAX_TOPICS, OVERVIEW_TOPICS, write_page
from graph.export.registry import FORMATS
from graph.build.cachefile import read_sealed, write_sealed
from graph.build.outdir import atomic_open, own_prefix
from graph.build.record import find_alias_file
from graph.kg.facts import VERSUS, Accumulator, feed, identity_facts, page_facts
from graph.read.files import DEFAULT_MAX_BYTES, scan
from graph.build.workers import parallel_map
from graph.read.records import Rejection
from graph.errors import NoPages, PickgraphError
from graph.read import read_file
from graph.build.progress import Phase, shown
from graph.resolve.names import AliasFile, Identity, Resolver, label_from_slug

#: files per task: big enough to amortise the process hop, small enough for even progress
CHUNK = 1000
#: what a streaming build can write
STREAM_FORMATS = ("turtle", "graphml", "html")
#: the first bytes of a spooled chunk, sealed with a key of the build's own (it alone reads them back)
SPOOL_MAGIC = b"pickgraph-spool 1\n"


class StreamError(PickgraphError):
    """A streaming build asked for something it cannot do."""


# ------------------------------------------------------------ pass 1: scan --

def _scan(task: tuple[int, list[str], str, int, bytes]) -> list[tuple[Any, ...]]:
    """Parse one chunk, spool its records; per file ``("rejected", Rejection)`` or ``(sha, path, facts)``."""
    chunk_no, files, spool, max_bytes, key = task
    records, out = [], []
    for f in files:
        result, sha = read_file(f, max_bytes)
        if isinstance(result, Rejection):
            out.append(("rejected", result))
            continue
        records.append(result)
        out.append((sha, result.path, identity_facts(result)))
    write_sealed(os.path.join(spool, f"{chunk_no:07d}.pickle"), SPOOL_MAGIC, records, key, scratch=True)
    return out


# ------------------------------------------------------------ pass 2: emit --

_IDENTITY: Identity | None = None
_BASE = turtle.DEFAULT_BASE


def _init(identity: Identity, base: str) -> None:
    global _IDENTITY, _BASE
    _IDENTITY, _BASE = identity, base


def _emit(task: tuple[int, frozenset[int], str, bytes]) -> Accumulator:
    """Write one chunk's Turtle and GraphML parts; return its facts summed (small: per topic and pair)."""
    chunk_no, skip, spool, key = task
    assert _IDENTITY is not None
    canon = _IDENTITY.canonical
    spooled = os.path.join(spool, f"{chunk_no:07d}.pickle")
    records = read_sealed(spooled, SPOOL_MAGIC, key)
    if records is None:
        raise StreamError(f"{spooled}: a chunk of this build's spool is gone")
    os.unlink(spooled)
    ttl: list[str] = []
    gml: list[str] = []
    acc = Accumulator(per_document=False)
    for i, page in enumerate(records):
        if i in skip:
            continue
        ttl.append(turtle.document_block(page, canon, None, _BASE))
        facts = page_facts(page, canon)
        acc.add(page, facts)
        gml.append(graphml.page_edges(facts["edges"], page.path))
    with open(os.path.join(spool, f"{chunk_no:07d}.ttl"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(ttl) + ("\n" if ttl else ""))
    with open(os.path.join(spool, f"{chunk_no:07d}.graphml"), "w", encoding="utf-8") as fh:
        fh.write("".join(gml))
    return acc


# ------------------------------------------------------------------ driver --

def _chunks(files: list[str]) -> list[list[str]]:
    return [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]


def _bar(progress: bool, total: int, desc: str) -> Phase:
    return Phase(desc, total, "page", progress or shown())


def stream_build(paths: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                 formats: Iterable[str] = STREAM_FORMATS, aliases: str | os.PathLike[str] | None = None,
                 jobs: int | None = None, progress: bool = False, strict: bool = False,
                 base_iri: str = turtle.DEFAULT_BASE, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Build ``paths`` in two streaming passes and write ``formats`` into ``out_dir``.

    Returns the same shape of result as ``pickgraph build --json`` (summary,
    rejections, duplicates, warnings, written, seconds) and the seconds of each
    phase (``phases_s``: scan, resolve, emit, then each format). With ``strict``, a
    rejected page stops the build before anything is written.
    """
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in STREAM_FORMATS]
    if bad:
        raise StreamError(f"a streaming build writes {', '.join(STREAM_FORMATS)}; not {', '.join(bad)} "
                          "(build without --stream for the other formats)")
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    resolver = Resolver(AliasFile.load(alias_path) if alias_path else None)
    found = scan(paths)
    if not found.files and not found.rejections:
        raise NoPages(paths)
    files = found.paths
    chunks = _chunks(files)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spool = tempfile.mkdtemp(prefix=own_prefix("stream"), dir=out)
    spool_key = os.urandom(32)
    rejections: list[Rejection] = list(found.rejections)
    duplicates: list[dict[str, str]] = []
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 3)
        clock = now

    try:
        # pass 1: parse, spool, resolve names
        seen: dict[bytes, str] = {}
        skips: list[frozenset[int]] = []
        bar = _bar(progress, len(files), "reading")
        for results in parallel_map(_scan, [(i, c, spool, max_bytes, spool_key) for i, c in enumerate(chunks)], jobs):
            skip, accepted = set(), 0
            for r in results:
                if r[0] == "rejected":
                    rejections.append(r[1])
                    continue
                sha, path, facts = r
                key = bytes.fromhex(sha)
                if key in seen:
                    duplicates.append({"path": path, "same_as": seen[key], "sha256": sha})
                    skip.add(accepted)
                else:
                    seen[key] = path
                    feed(resolver, facts)
                accepted += 1
            skips.append(frozenset(skip))
            bar.advance(len(results))
        bar.close()
        doc_keys = list(seen)  # the documents the build used (PROV): the keys alone, hex when written
        del seen
        if strict and rejections:
            return {"ok": False, "strict": True, "rejections": [rejections[0].to_dict()], "written": []}
        phase("scan")
        with Phase("resolving names", None, "it", progress or shown()):
            identity = resolver.resolve()
        phase("resolve")

        # pass 2: emit the parts, gather the topology
        agg = Accumulator(per_document=False)
        bar = _bar(progress, len(files), "writing")
        tasks = [(i, skips[i], spool, spool_key) for i in range(len(chunks))]
        for i, part in enumerate(parallel_map(_emit, tasks, jobs, initializer=_init, initargs=(identity, base_iri))):
            agg.merge(part)
            bar.advance(len(chunks[i]))
        bar.close()

        phase("emit")
        nodes = _node_table(agg, identity)
        written = []
        bar = Phase("writing exports", len(formats), "file", progress or shown())
        for fmt in formats:
            target = out / FORMATS[fmt].file
            if fmt == "turtle":
                _write_turtle(target, nodes, len(chunks), spool, base_iri, (k.hex() for k in doc_keys),
                              alias_labels(identity))
            elif fmt == "graphml":
                _write_graphml(target, nodes, len(chunks), spool, agg)
            else:
                _write_html(target, agg, nodes)
            written.append(str(target))
            phase(fmt)
            bar.done(fmt)
        bar.close()
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    summary = agg.summary(len(duplicates), len(rejections))
    return {
        "ok": not rejections,
        "summary": summary,
        "rejections": [r.to_dict() for r in sorted(rejections, key=lambda r: r.path)],
        "duplicates": duplicates,
        "warnings": sorted(agg.warnings, key=lambda w: (w["path"], w["line"], w["reason"])),
        "written": written,
        "seconds": round(time.perf_counter() - started, 3),
        "phases_s": phases,
    }


def _node_table(agg: Accumulator, identity: Identity) -> dict[str, dict[str, Any]]:
    """Each topic's name, labels, definition, kind and count of documents, by slug in order."""
    table = {}
    for s in sorted(agg.nodes):
        name = identity.names.get(s) or label_from_slug(s)
        definition, kind = agg.topic(s)
        table[s] = {"name": name, "labels": identity.labels.get(s) or [name], "definition": definition,
                    "kind": kind, "documents": agg.mentions.get(s, 0)}
    return table


def _concat(fh, spool: str, n_chunks: int, suffix: str) -> None:
    for i in range(n_chunks):
        with open(os.path.join(spool, f"{i:07d}.{suffix}"), "rb") as part:
            shutil.copyfileobj(part, fh, 1 << 20)


def _write_turtle(target: Path, nodes: dict[str, dict[str, Any]], n_chunks: int, spool: str, base: str,
                  doc_shas: Iterable[str], aliases: dict[str, list[str]]) -> None:
    with atomic_open(target) as fh:
        topics = turtle.topics_section(((s, d["name"], d["labels"] + aliases.get(s, [])) for s, d in nodes.items()),
                                       doc_shas, base)
        fh.write(f"{turtle.prefixes(base)}\n{topics}\n".encode())
        _concat(fh, spool, n_chunks, "ttl")


def _write_graphml(target: Path, nodes: dict[str, dict[str, Any]], n_chunks: int, spool: str,
                   agg: Accumulator) -> None:
    stats = graphml.node_stats(nodes, ((a, b, pick) for a, b, pick, *_ in agg.versus),
                               ((u, v, n) for (_, u, v), n in agg.links.items()))
    with atomic_open(target) as fh:
        fh.write(graphml.header().encode())
        fh.write("".join(graphml.node(s, {**d, "labels": graphml.labels_text(d["labels"]), **stats[s]})
                         for s, d in nodes.items()).encode())
        _concat(fh, spool, n_chunks, "graphml")
        fh.write(graphml.footer().encode())


def _write_html(target: Path, agg: Accumulator, nodes: dict[str, dict[str, Any]]) -> None:
    """The overview page: a graph of the most connected topics alone, drawn by :mod:`graph.export.html`."""
    if len(nodes) <= MAX_TOPICS:
        top = set(nodes)
    else:
        top = set(sorted(agg.degree, key=lambda t: (-agg.degree[t], t))[:OVERVIEW_TOPICS])
    H = nx.MultiDiGraph()
    for s in sorted(top):
        d = nodes[s]
        H.add_node(s, name=d["name"], labels=d["labels"], definition=d["definition"], kind=d["kind"],
                   descriptions=[agg.descriptions[s]] if s in agg.descriptions else [], documents=[])
    docs: dict[str, Any] = {}
    for a, b, pick, sha, title, path in agg.versus:
        if a in top and b in top:
            H.add_edge(a, b, key=f"versus:{sha}", kind=VERSUS, pick=pick, doc=sha, title=title)
            docs[sha] = SimpleNamespace(path=path)  # the page itself is not kept: cards show no pick reason
    for (kind, a, b), n in sorted(agg.links.items()):
        if a in top and b in top:
            sha, path = agg.first_doc[(kind, a, b)]
            for i in range(n):  # one edge per document keeps the link strengths of the full graph
                H.add_edge(a, b, key=f"{kind}:{sha}:{i}", kind=kind, doc=sha)
            docs[sha] = SimpleNamespace(path=path)
    H.graph.update(documents=docs, topics_total=len(nodes))
    write_page(H, target, suggest_topics=0)


__all__ = ["CHUNK", "STREAM_FORMATS", "StreamError", "stream_build"]
