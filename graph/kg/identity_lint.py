"""Identity lint: the merges the resolver made, and likely duplicates it did not.

A person curates ``aliases.toml`` from this report: merge what is one topic,
keep apart what only looks alike. Candidates come from two kinds of evidence:

* the names — edit distance and token overlap of the slugs (rapidfuzz), and
  acronyms (``oltp`` ↔ ``online-transaction-processing``);
* the graph — topics compared with the same opponents under different names.

Pairs that a page compares with each other are never candidates (the page says
they differ), nor pairs the alias file keeps apart.

>>> from graph.read import parse_text
>>> from graph.read.render import render_comparison
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> pages = [parse_text(render_comparison("Apache Kafka", "RabbitMQ", "Apache Kafka",
...          related={"RabbitMQ": ["kafka"]}), "k.txt")]
>>> [(c["a"], c["b"]) for c in likely_duplicates(build_graph(ReadReport(pages=pages)))]
[('apache-kafka', 'kafka')]
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

import networkx as nx

from graph.kg.graph import versus_edges

#: tokens this common are no evidence of identity on their own
_MAX_BLOCK = 200


def identity_report(G: nx.MultiDiGraph, limit: int = 50) -> dict[str, Any]:
    """The merges made (rule, evidence), the pairs kept apart, and ranked likely duplicates."""
    ident = G.graph.get("identity")
    merges = [m.to_dict() for m in ident.merges] if ident else []
    kept = [{"a": a, "b": b, "reason": r} for a, b, r in ident.kept_apart] if ident else []
    labels = {n: G.nodes[n]["labels"] for n in G.nodes}
    for m in merges:
        m["labels"] = labels.get(m["into"], [])
    return {
        "merges": sorted(merges, key=lambda m: (m["into"], m["rule"], m["slug"])),
        "kept_apart": kept,
        "likely_duplicates": likely_duplicates(G, limit),
    }


def _opponents(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    opp: dict[str, set[str]] = defaultdict(set)
    for u, v, _ in versus_edges(G):
        opp[u].add(v)
        opp[v].add(u)
    return opp


def _acronyms(slug: str) -> set[str]:
    """Acronyms of a 2–4 word slug: each word gives its first letter, and maybe one
    later letter (``online-analytical-processing`` → ``oap``, ``olap``, …: On-Line)."""
    words = [w for w in slug.split("-") if w]
    if not 1 < len(words) <= 4:
        return set()
    out = {""}
    for w in words:
        parts = {w[0]} | {w[0] + c for c in w[1:]}
        out = {a + p for a in out for p in parts}
    return out


def likely_duplicates(G: nx.MultiDiGraph, limit: int = 50) -> list[dict[str, Any]]:
    """Pairs of topics that may be one topic, best first, each with its reasons."""
    from rapidfuzz import fuzz  # late: rapidfuzz costs start-up, and only this lint compares names

    ident = G.graph.get("identity")
    apart = set()
    if ident is not None:
        apart = {frozenset((ident.canonical(a), ident.canonical(b))) for a, b in ident.keep_apart}
    opp = _opponents(G)
    compared = {frozenset((u, v)) for u, v, _ in versus_edges(G)}

    # blocking: only pairs sharing a token, an acronym or a 4-letter prefix are scored
    blocks: dict[str, list[str]] = defaultdict(list)
    for n in sorted(G.nodes):
        keys = set(n.split("-")) | {"^" + n.replace("-", "")[:4]}
        keys |= {"=" + ac for ac in _acronyms(n)}
        if "-" not in n:
            keys.add("=" + n)
        for k in keys:
            blocks[k].append(n)
    pairs: set[tuple[str, str]] = set()
    for members in blocks.values():
        if 1 < len(members) <= _MAX_BLOCK:
            pairs.update(combinations(members, 2))
    # topics with the same opponents, whatever their names
    by_opp: dict[str, list[str]] = defaultdict(list)
    for n, os_ in opp.items():
        for o in os_:
            by_opp[o].append(n)
    for members in by_opp.values():
        if 1 < len(members) <= _MAX_BLOCK:
            pairs.update(tuple(sorted(p)) for p in combinations(sorted(members), 2))

    out = []
    for a, b in sorted(pairs):
        if frozenset((a, b)) in compared or frozenset((a, b)) in apart:
            continue
        sa, sb = a.replace("-", " "), b.replace("-", " ")
        reasons = []
        ratio = fuzz.ratio(sa, sb)
        tokens = fuzz.token_set_ratio(sa, sb)
        if ratio >= 85:
            reasons.append(f"names differ by a few letters ({ratio:.0f}% alike)")
        if tokens == 100 and ratio < 100:
            short, long_ = sorted((a, b), key=len)
            reasons.append(f"every word of {short!r} is in {long_!r}")
        if a.replace("-", "") in _acronyms(b) or b.replace("-", "") in _acronyms(a):
            reasons.append("one is the acronym of the other")
        shared = opp.get(a, set()) & opp.get(b, set())
        union = opp.get(a, set()) | opp.get(b, set())
        jac = len(shared) / len(union) if union else 0.0
        if len(shared) >= 2 and jac >= 0.5 and max(ratio, tokens) >= 50:
            reasons.append(f"compared with the same opponents: {', '.join(sorted(shared))}")
        if not reasons:
            continue
        score = round(max(ratio, 0.9 * tokens, 95 if "acronym" in " ".join(reasons) else 0) / 100 + 0.5 * jac, 3)
        out.append({"a": a, "b": b, "names": [G.nodes[a]["name"], G.nodes[b]["name"]], "score": score,
                    "reasons": reasons})
    out.sort(key=lambda c: (-c["score"], c["a"], c["b"]))
    return out[:limit] if limit else out
