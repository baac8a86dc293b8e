"""Compare two topics: the direct comparisons of the pair, or a derived one.

``mode`` is always one of:

* ``"direct"``      — at least one page compares the pair: each document, its pick and its
  ``Use X if:`` lines, and whether the pages disagree (contested);
* ``"derived"``     — no page compares them, but the graph links them: a predicted pick with a
  probability from a regularised Bradley–Terry fit of every pick (:mod:`graph.query.rank`), the
  win chain that links them (``A beat X, X beat B``) if any, their common opponents and
  the related topics they share;
* ``"no evidence"`` — nothing links them (different components of the graph), or neither has
  a pick on record: no probability is given rather than a coin flip.

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison as page
>>> G = build_graph(ReadReport(pages=[parse_text(page(a, b, a), a) for a, b in [("Ant", "Bee"), ("Bee", "Cat")]]))
>>> compare(G, "ant", "bee")["mode"], compare(G, "ant", "cat")["mode"]
('direct', 'derived')
>>> compare(G, "ant", "cat")["chains"][0]["path"]
['ant', 'bee', 'cat']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.query import rank
from graph.kg.graph import find_topic, related, versus_edges
from graph.query.reasons import verdict_text
from graph.read.records import Comparison
from graph.errors import PickgraphError

if TYPE_CHECKING:
    import networkx as nx

DIRECT, DERIVED, NO_EVIDENCE = "direct", "derived", "no evidence"


class CompareError(PickgraphError):
    """A comparison that cannot be asked: a topic with itself (an unknown topic is :class:`UnknownTopic`)."""


def _name(G: nx.MultiDiGraph, n: str | None) -> str | None:
    return None if n is None else G.nodes[n].get("name", n)


def check_pair(G: nx.MultiDiGraph, a: str, b: str) -> tuple[str, str]:
    """The slugs of the two different topics ``a`` and ``b`` name (as :func:`~graph.kg.graph.find_topic` reads
    them): :class:`~graph.errors.UnknownTopic` for an unknown one, :class:`CompareError` for one topic twice."""
    a, b = find_topic(G, a), find_topic(G, b)
    if a == b:
        raise CompareError(f"{_name(G, a)} is one topic: name two different topics")
    return a, b


def pair_documents(G: nx.MultiDiGraph, a: str, b: str) -> list[dict[str, Any]]:
    """Every page comparing ``a`` with ``b``: source, title, pick, its ``Use X if:`` lines as ``why``
    shows them (:func:`~graph.query.reasons.verdict_text`) and its verdict's paragraph (``note``) when it has no such lines."""
    docs = G.graph.get("documents", {})
    out = []
    for u, v, d in versus_edges(G, a, b):
        page = docs.get(d["doc"])
        verdict, note = [], ""
        if isinstance(page, Comparison):
            # the text why shows: the pro a line was made from, not the template's sentence around it
            verdict = [{"topic": _canon(G, line.topic), "text": f"Use {line.topic} if: {text}", "line": line.line}
                       for line in page.verdict if (text := verdict_text(page, line))]
            note = page.verdict_note
        out.append({"source": getattr(page, "path", d["doc"]), "title": d["title"], "pick": d["pick"],
                    "pick_name": _name(G, d["pick"]), "verdict": verdict, "note": note, "doc": d["doc"]})
    return sorted(out, key=lambda r: (r["source"], r["doc"]))


def _canon(G: nx.MultiDiGraph, name: str) -> str:
    ident = G.graph.get("identity")
    return ident.canonical(name) if ident else name


def common_opponents(G: nx.MultiDiGraph, a: str, b: str) -> list[dict[str, Any]]:
    """Topics both were compared with, and how each fared against them."""
    def results(t: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for u, v, d in versus_edges(G, t):
            if t in (u, v):
                other = v if u == t else u
                out.setdefault(other, []).append("win" if d["pick"] == t else "loss" if d["pick"] else "no pick")
        return out

    ra, rb = results(a), results(b)
    return [{"slug": x, "name": _name(G, x), "a": sorted(ra[x]), "b": sorted(rb[x])}
            for x in sorted(set(ra) & set(rb) - {a, b})]


def shared_related(G: nx.MultiDiGraph, a: str, b: str) -> list[dict[str, Any]]:
    """Related topics of both, rarest first (a rare shared topic says more)."""
    shared = set(related(G, a)) & set(related(G, b))
    rows = [{"slug": r, "name": _name(G, r), "topics": len(related(G, r))} for r in shared]
    return sorted(rows, key=lambda r: (r["topics"], r["slug"]))


def chains(G: nx.MultiDiGraph, a: str, b: str, *, fit: rank.Fit | None = None) -> list[dict[str, Any]]:
    """The shortest win chain each way that exists: ``{"winner", "path", "steps"}``."""
    fit = fit or rank.fit(G)
    out = []
    for x, y in ((a, b), (b, a)):
        path = rank.win_chain(G, x, y, fit=fit)
        if path:
            out.append({"winner": x, "path": path, "steps": rank.chain_steps(G, path, fit=fit),
                        "text": ", ".join(f"{_name(G, w)} beat {_name(G, l)}" for w, l in zip(path, path[1:]))})
    return out


def compare(G: nx.MultiDiGraph, a: str, b: str, *, fit: rank.Fit | None = None) -> dict[str, Any]:
    """Compare topics ``a`` and ``b`` (names, slugs or aliases); see the module docstring for ``mode``.

    Keys: ``a``, ``b``, ``a_name``, ``b_name``, ``mode``, ``contested``, ``documents``, ``picks``
    (documents picking each side), ``prediction`` (``{"pick", "pick_name", "probability"}``: the
    fit's probability that ``pick`` wins, or ``None`` with no evidence), ``chains``,
    ``common_opponents``, ``shared_related``, ``records`` (wins and losses of each) and ``note``.
    ``fit``: the graph's :class:`~graph.query.rank.Fit` when the caller keeps one (else made now).
    """
    a, b = check_pair(G, a, b)
    docs = pair_documents(G, a, b)
    contested = len({d["pick"] for d in docs if d["pick"]}) > 1
    fit = fit or rank.fit(G)
    p = fit.probability(a, b)
    recs = fit.records
    if docs:
        mode = DIRECT
    elif p is None:
        mode = NO_EVIDENCE
    else:
        mode = DERIVED
    prediction = None
    if p is not None and abs(p - 0.5) < 1e-9:
        prediction = {"pick": None, "pick_name": None, "probability": 0.5}
    elif p is not None:
        pick = a if p > 0.5 else b
        prediction = {"pick": pick, "pick_name": _name(G, pick), "probability": round(max(p, 1 - p), 4)}
    picks = {t: sum(1 for d in docs if d["pick"] == t) for t in (a, b)}
    result = {
        "a": a, "b": b, "a_name": _name(G, a), "b_name": _name(G, b), "mode": mode, "contested": contested,
        "documents": docs, "picks": picks, "prediction": prediction,
        "chains": chains(G, a, b, fit=fit), "common_opponents": common_opponents(G, a, b),
        "shared_related": shared_related(G, a, b),
        "records": {t: {"wins": recs.get(t, (0, 0))[0], "losses": recs.get(t, (0, 0))[1]} for t in (a, b)},
    }
    result["note"] = _note(G, result, fit)
    return result


def _note(G: nx.MultiDiGraph, r: dict[str, Any], fit: rank.Fit) -> str:
    a, b = r["a_name"], r["b_name"]
    if r["mode"] == DIRECT:
        n = len(r["documents"])
        if r["contested"]:
            return f"contested: {n} pages compare {a} and {b} and disagree on the pick"
        return f"{n} page{'s' if n != 1 else ''} compare{'s' if n == 1 else ''} {a} and {b} directly"
    if r["mode"] == NO_EVIDENCE:
        if fit.component.get(r["a"]) != fit.component.get(r["b"]):
            return f"no evidence: nothing in the graph links {a} and {b}"
        return f"no evidence: neither {a} nor {b} has a pick on record"
    unrecorded = [_name(G, t) for t in (r["a"], r["b"]) if not any(r["records"][t].values())]
    if unrecorded:
        return (f"derived: {unrecorded[0]} has no pick on record, so the estimate rests on the other "
                "topic's record alone")
    if r["chains"]:
        return f"derived: no page compares them; the win chain {r['chains'][0]['text']} links them"
    return "derived: no page compares them and no win chain links them; the estimate rests on their records"


def format_compare(r: dict[str, Any]) -> str:
    """The comparison as text for the terminal."""
    lines = [f"{r['a_name']} vs {r['b_name']}: {r['mode']}" + (" (contested)" if r["contested"] else ""),
             f"  {r['note']}"]
    for d in r["documents"]:
        lines.append(f"  [{d['source']}] {d['title']}: pick {d['pick_name'] or 'none'}")
        lines += [f"      {v['text']}" for v in d["verdict"]]
        if d.get("note"):
            lines.append(f"      verdict: {d['note']}")
    if r["prediction"] and r["prediction"]["pick"] is None:
        lines.append("  model: an even call (probability 0.50) over every pick in the graph")
    elif r["prediction"]:
        pr = r["prediction"]
        lines.append(f"  model: {pr['pick_name']} is picked with probability {pr['probability']:.2f} "
                     "(Bradley–Terry fit of every pick)")
    for c in r["chains"]:
        lines.append(f"  chain: {c['text']}")
        for s in c["steps"]:
            lines.append(f"      {s['winner']} > {s['loser']}  [{', '.join(s['sources'])}]")
    if r["common_opponents"]:
        lines.append("  both compared with: " + ", ".join(
            f"{o['name']} ({r['a_name']}: {'/'.join(o['a'])}; {r['b_name']}: {'/'.join(o['b'])})"
            for o in r["common_opponents"]))
    if r["shared_related"]:
        lines.append("  both relate to: " + ", ".join(s["name"] for s in r["shared_related"]))
    rec = r["records"]
    lines.append(f"  records: {r['a_name']} {rec[r['a']]['wins']}-{rec[r['a']]['losses']}, "
                 f"{r['b_name']} {rec[r['b']]['wins']}-{rec[r['b']]['losses']} (wins-losses)")
    return "\n".join(lines)


__all__ = ["DIRECT", "DERIVED", "NO_EVIDENCE", "CompareError", "check_pair", "compare", "pair_documents",
           "common_opponents", "shared_related", "chains", "format_compare"]
