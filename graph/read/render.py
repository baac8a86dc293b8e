"""Render records back to page text, in the site's real shapes: comparison pages
full or compact, topic pages full, compact or flattened (see FORMAT.md).

Used by the corpus generator and by tests that need pages with exact,
hand-chosen contents. ``parse_text(render_comparison(...))`` gives back what
was rendered (a property test holds the two together).

>>> from graph.read import parse_text
>>> text = render_comparison("Go", "Rust", pick="Rust", pros={"Go": ["Fast builds and a small language"]},
...                          related={"Go": ["concurrency", "rust"], "Rust": ["memory-safety"]})
>>> page = parse_text(text)
>>> page.pick, page.card("Go").related
('Rust', ('concurrency', 'rust'))
"""

from __future__ import annotations

PLACEHOLDER = "Specific tradeoffs depend on your use case"


def render_comparison(
    a: str,
    b: str,
    pick: str | None,
    *,
    descriptions: dict[str, str] | None = None,
    pros: dict[str, list[str]] | None = None,
    cons: dict[str, list[str]] | None = None,
    related: dict[str, list[str]] | None = None,
    compact: bool = False,
    kind: str = "Dynamic",
) -> str:
    """The text of an ``a vs b`` page whose winner is ``pick`` (one of the two).

    ``compact``: the real compact shape: no blank lines, no kind line, the headline
    without its ``🧊Nice Pick`` marker (so the winner's name is written three times
    before its ``Pros``), ``- +`` bullets and the badge glued to the description.
    """
    descriptions = descriptions or {}
    pros = pros or {}
    cons = cons or {}
    related = related or {}

    def desc(t: str) -> str:
        return descriptions.get(t) or f"Developers should choose {t} when its strengths match the project"

    def pro(t: str) -> list[str]:
        return pros.get(t) or [f"{t} has a clear strength for its main use case"]

    def con(t: str) -> list[str]:
        return cons.get(t) or [PLACEHOLDER]

    blocks: list[list[str]] = [] if compact else [[kind]]
    blocks += [[f"{a} vs {b}"], [f"{desc(a)} meets {desc(b)[:1].lower()}{desc(b)[1:]}. Here's our take."]]
    other = b if pick == a else a
    if pick:
        blocks += ([] if compact else [["🧊Nice Pick"]]) + [[pick], [desc(pick)]]
    bullet = "- " if compact else "  • "
    for t in (a, b):
        blocks.append([t])
        if t == pick:
            if compact:
                blocks.append([f"Nice Pick{desc(t)}"])
            else:
                blocks += [["Nice Pick"], [desc(t)]]
        else:
            blocks.append([desc(t)])
        rel = ", ".join(related.get(t, []))
        blocks += [["Pros"], [f"{bullet}+{p}" for p in pro(t)] + [f"{bullet}+Related to: {rel}"]]
        blocks += [["Cons"], [f"{bullet}-{c}" for c in con(t)]]
    if pick:
        blocks.append(["The Verdict"])
        blocks.append([f"Use {pick} if: You want {pro(pick)[0].lower()} and can live with {con(pick)[0].lower()}."])
        blocks.append([f"Use {other} if: You prioritize {pro(other)[0].lower()} over what {pick} offers."])
        blocks.append(["🧊", "The Bottom Line", f"{pick} wins"])
        blocks.append([desc(pick)])
    blocks.append(["Disagree with our pick? Write to us."])
    sep = "\n" if compact else "\n\n"
    return sep.join("\n".join(block) for block in blocks)


def render_topic_page(name: str, definition: str, aliases: list[str] | None = None, kind: str = "concept",
                      related_tools: list[str] | None = None, alternatives: list[str] | None = None,
                      why_learn: str | None = None, shape: str = "full") -> str:
    """The text of a topic page; ``shape`` is ``full`` (blocks), ``compact`` (no blank
    lines) or ``flattened`` (only the name, the definition and the why-learn paragraph)."""
    why = why_learn or f"{name} comes up often in technical decisions."
    if shape == "flattened":
        return "\n".join([name, definition, why_learn or f"Developers should learn {name} when it fits the problem"])
    blocks = [[kind], [name], [definition]] if kind else [[name], [definition]]
    if aliases:
        blocks.append([f"Also known as: {', '.join(aliases)}"])
    blocks += [[f"🧊Why learn {name}?"], [why],
               [f"Compare {name}"], ["Learning Resources"], ["Related Tools"] + list(related_tools or []),
               [f"Alternatives to {name}"] + list(alternatives or [])]
    return ("\n" if shape == "compact" else "\n\n").join("\n".join(b) for b in blocks)
