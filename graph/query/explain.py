"""Why the graph prefers one topic of a pair: evidence from the documents and from the graph.

From the documents: the winner's ``Use X if:`` verdict lines, the winner's pros
and the loser's cons, each with its source and line — never the site's
placeholder con nor sentence-splitting debris (:func:`clean_text`), and a verdict
line as the pro it was made from, in the card's own case (:func:`verdict_text`).
From the graph: each topic's record of wins and losses, the win chains that link them, and the related topics that place the
pick in context. A contested pair shows both sides; a derived pair explains its
chain and its probability.

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison as page
>>> text = page("Ant", "Bee", "Ant", pros={"Ant": ["Carries loads many times its own weight"]})
>>> G = build_graph(ReadReport(pages=[parse_text(text, "ab.txt")]))
>>> w = why(G, "bee", "ant")
>>> w["winner"], w["sides"][0]["pros"][0]["text"]
('ant', 'Carries loads many times its own weight')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.query.compare import DERIVED, DIRECT, NO_EVIDENCE, compare
from graph.kg.graph import related, versus_edges
from graph.query.reasons import card_points, clean_text, verdict_text
from graph.read.records import Comparison

if TYPE_CHECKING:
    import networkx as nx


def _name(G: nx.MultiDiGraph, n: str | None) -> str | None:
    return None if n is None else G.nodes[n].get("name", n)


def _canon(G: nx.MultiDiGraph, name: str) -> str:
    ident = G.graph.get("identity")
    return ident.canonical(name) if ident else name


def _bullets(page: Comparison, topic: str, G: nx.MultiDiGraph, which: str) -> list[dict[str, Any]]:
    out = []
    for card in page.cards:
        if _canon(G, card.name) != topic:
            continue
        pros, cons = card_points(card)
        for b in pros if which == "pros" else cons:
            if (text := clean_text(b.text)) is not None:
                out.append({"text": text, "source": page.path, "line": b.line})
    return out


def _side(G: nx.MultiDiGraph, winner: str, loser: str, pages: list[Comparison]) -> dict[str, Any]:
    """The documents' case for ``winner`` over ``loser`` from ``pages``."""
    verdict, pros, cons = [], [], []
    for page in pages:
        for line in page.verdict:
            if _canon(G, line.topic) == winner and (text := verdict_text(page, line)):
                verdict.append({"text": f"Use {line.topic} if: {text}", "source": page.path, "line": line.line})
        pros += _bullets(page, winner, G, "pros")
        cons += _bullets(page, loser, G, "cons")
    return {"winner": winner, "winner_name": _name(G, winner), "sources": sorted({p.path for p in pages}),
            "verdict": verdict, "pros": _dedupe(pros), "cons": _dedupe(cons)}


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for r in sorted(rows, key=lambda r: (r["source"], r["line"])):
        if r["text"].casefold() not in seen:
            seen.add(r["text"].casefold())
            out.append(r)
    return out


def _pages(G: nx.MultiDiGraph, a: str, b: str | None, picked: str) -> list[Comparison]:
    """Pages of ``a`` (against ``b``, or anyone when ``b`` is None) whose pick is ``picked``."""
    docs = G.graph.get("documents", {})
    out = []
    for u, v, d in versus_edges(G, a, b):
        if d["pick"] == picked:
            page = docs.get(d["doc"])
            if isinstance(page, Comparison):
                out.append(page)
    return sorted(out, key=lambda p: (p.path, p.sha256))


def why(G: nx.MultiDiGraph, a: str, b: str, *, fit: Any = None) -> dict[str, Any]:
    """Which of ``a`` and ``b`` (names, slugs or aliases) the graph prefers, and why.

    Keys: ``a``, ``b``, ``a_name``, ``b_name``, ``mode`` (as :func:`graph.query.compare.compare`),
    ``contested``, ``winner``/``winner_name``/``loser`` (``None`` with no evidence or an even split),
    ``probability`` (the fit's, for the winner), ``sides`` (one per topic some document picks, or the
    predicted winner's case from its other pages for a derived pair: ``{"winner", "winner_name",
    "sources", "verdict", "pros", "cons"}``), ``records``, ``chains``, ``common_opponents``,
    ``context`` (related topics: ``shared``, and the winner's own) and ``summary``. ``fit``: the
    graph's :class:`~graph.query.rank.Fit` when the caller keeps one (else made now).
    """
    c = compare(G, a, b, fit=fit)
    a, b = c["a"], c["b"]  # the slugs of the topics named
    pred = c["prediction"]
    winner = loser = None
    sides: list[dict[str, Any]] = []
    if c["mode"] == DIRECT:
        pa, pb = c["picks"][a], c["picks"][b]
        if pa != pb:
            winner = a if pa > pb else b
        elif pred and pred["pick"]:
            winner = pred["pick"]  # an even split of pages: the rest of the graph decides
        for t in sorted((a, b), key=lambda t: (t != winner, -c["picks"][t], t)):
            if c["picks"][t]:
                sides.append(_side(G, t, b if t == a else a, _pages(G, a, b, t)))
    elif c["mode"] == DERIVED and pred["pick"]:
        # The case for a derived winner: its pros where it won, the other's cons where it lost.
        winner = pred["pick"]
        other = b if winner == a else a
        side = _side(G, winner, other, _pages(G, winner, None, winner))
        side["cons"] = _dedupe([x for p in _lost_pages(G, other) for x in _bullets(p, other, G, "cons")])
        side["verdict"] = []  # verdict lines of other pairs do not speak to this one
        sides.append(side)
    if winner is not None:
        loser = b if winner == a else a
    probability = None
    if pred and winner is not None:
        probability = pred["probability"] if pred["pick"] == winner else round(1 - pred["probability"], 4)
    context = {"shared": c["shared_related"],
               "winner": [{"slug": r, "name": _name(G, r)} for r in related(G, winner)] if winner else []}
    result = {"a": a, "b": b, "a_name": c["a_name"], "b_name": c["b_name"], "mode": c["mode"],
              "contested": c["contested"], "winner": winner, "winner_name": _name(G, winner), "loser": loser,
              "probability": probability, "sides": sides, "records": c["records"], "chains": c["chains"],
              "common_opponents": c["common_opponents"], "context": context, "note": c["note"]}
    result["summary"] = _summary(result)
    return result


def _lost_pages(G: nx.MultiDiGraph, t: str) -> list[Comparison]:
    docs = G.graph.get("documents", {})
    out = [docs[d["doc"]] for _, _, d in versus_edges(G, t)
           if d["pick"] not in (None, t) and isinstance(docs.get(d["doc"]), Comparison)]
    return sorted(out, key=lambda p: (p.path, p.sha256))


def _summary(r: dict[str, Any]) -> str:
    if r["mode"] == NO_EVIDENCE:
        return f"No evidence to prefer {r['a_name']} or {r['b_name']}: {r['note'].split(': ', 1)[-1]}."
    if r["winner"] is None and r["mode"] == DERIVED:
        return f"An even call between {r['a_name']} and {r['b_name']} (probability 0.50)."
    if r["winner"] is None:
        return f"The pages split evenly between {r['a_name']} and {r['b_name']}; see both sides."
    loser_name = r["b_name"] if r["winner"] == r["a"] else r["a_name"]
    if r["mode"] == DIRECT and len(r["sides"]) > 1 and len(r["sides"][0]["sources"]) == len(r["sides"][1]["sources"]):
        n = len(r["sides"][0]["sources"])
        return (f"Contested: {n} page{'s' if n != 1 else ''} pick{'s' if n == 1 else ''} each side; over all picks in the graph "
                f"{r['winner_name']} leads {loser_name} with probability {r['probability']:.2f}.")
    if r["mode"] == DIRECT:
        n = len(r["sides"][0]["sources"]) if r["sides"] else 0
        text = f"{r['winner_name']} is preferred over {loser_name}: picked by {n} page{'s' if n != 1 else ''}"
        if r["contested"]:
            text += f", while {len(r['sides'][1]['sources']) if len(r['sides']) > 1 else 0} pick {loser_name} (contested)"
        return text + "."
    text = f"{r['winner_name']} is predicted over {loser_name} with probability {r['probability']:.2f}"
    if r["chains"]:
        chain = next((c for c in r["chains"] if c["winner"] == r["winner"]), r["chains"][0])
        text += f" through the win chain {chain['text']}"
    return text + "."


def format_why(r: dict[str, Any]) -> str:
    """The explanation as text for the terminal."""
    lines = [r["summary"], f"  ({r['note']})"]
    for s in r["sides"]:
        head = f"Case for {s['winner_name']}"
        lines.append(f"{head} [{', '.join(s['sources'])}]:" if s["sources"] else f"{head}:")
        lines += [f"  verdict: {v['text']}  [{v['source']}:{v['line']}]" for v in s["verdict"]]
        lines += [f"  + {p['text']}  [{p['source']}:{p['line']}]" for p in s["pros"]]
        lines += [f"  - {p['text']}  [{p['source']}:{p['line']}]" for p in s["cons"]]
    rec = r["records"]
    lines.append(f"Records: {r['a_name']} {rec[r['a']]['wins']}-{rec[r['a']]['losses']}, "
                 f"{r['b_name']} {rec[r['b']]['wins']}-{rec[r['b']]['losses']} (wins-losses)")
    for c in r["chains"]:
        lines.append(f"Win chain: {c['text']}")
        for st in c["steps"]:
            lines.append(f"  {st['winner']} > {st['loser']}  [{', '.join(st['sources'])}]")
    if r["common_opponents"]:
        lines.append("Both compared with: " + ", ".join(o["name"] for o in r["common_opponents"]))
    if r["context"]["shared"]:
        lines.append("Both relate to: " + ", ".join(s["name"] for s in r["context"]["shared"]))
    if r["context"]["winner"]:
        lines.append(f"{r['winner_name']} relates to: " + ", ".join(s["name"] for s in r["context"]["winner"]))
    return "\n".join(lines)


__all__ = ["why", "clean_text", "verdict_text", "format_why", "DIRECT", "DERIVED", "NO_EVIDENCE"]
