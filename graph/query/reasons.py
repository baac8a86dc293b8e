"""The one cleaning of the text a page gives as a reason: every place that shows a verdict or
a reason (``compare``, ``why``, the explorer, the HTML card) shows it through these functions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from graph.read.records import ELLIPSIS, Bullet, Card, Comparison, VerdictLine, clean_reason, is_caution, is_informative


@lru_cache(maxsize=1 << 16)  # why reads the same pages' bullets again and again: clean each text once
def clean_text(text: str) -> str | None:
    """A pro, con or verdict fragment as a reader should see it, or ``None`` for the placeholder
    con and sentence-splitting debris. The one cleaning of page text: ``why`` and the HTML cards
    both use it (directly or through :func:`verdict_text`).

    >>> clean_text("It reads many formats (e")
    'It reads many formats'
    >>> clean_text("g") is None, clean_text("Specific tradeoffs depend on your use case") is None
    (True, True)
    """
    t = clean_reason(text)
    return t if is_informative(t) else None


def card_points(card: Card) -> tuple[list[Bullet], list[Bullet]]:
    """A card's pros and cons as every query shows them: a pro that is a caution
    (:func:`~graph.read.records.is_caution`, ``Do not use it for …``) counts with the cons.

    >>> c = Card("Gunicorn", 1, pros=(Bullet("Fast to start", 2), Bullet("Do not use it for static files", 3)))
    >>> [[b.text for b in side] for side in card_points(c)]
    [['Fast to start'], ['Do not use it for static files']]
    """
    pros = [b for b in card.pros if not is_caution(b.text)]
    return pros, [b for b in card.pros if is_caution(b.text)] + list(card.cons)


_TEMPLATE = re.compile(r"(?i)^\s*you (?:want|prioritize)\s+(.*?)(?:\s+over what .* offers)?"
                       r"(?:\s+and can live with .*)?\s*\.?\s*$")


def verdict_text(page: Comparison, line: VerdictLine) -> str | None:
    """What a ``Use X if:`` line argues, in clean words: the pro of X it was made from, quoted from
    X's card in its original case, never the machine-made sentence around it (``You want <the pro,
    lowercased> and can live with <a con>``). A line cut off (ending ``…``) gives the pro it was cut
    from, whole. A line whose pro is not on the card gives its fragment (without the template, a cut
    one ending with ``…`` at a word boundary); debris (``You want g and …``) gives ``None``.

    >>> from graph.read import parse_text
    >>> from graph.read.render import render_comparison
    >>> page = parse_text(render_comparison("React", "Vue", "React", pros={"React": [
    ...     "Its ecosystem, including Next.js and React Native, covers web, mobile and server rendering"]}))
    >>> page.verdict[0].text[:52]
    'You want its ecosystem, including next.js and react '
    >>> verdict_text(page, page.verdict[0])
    'Its ecosystem, including Next.js and React Native, covers web, mobile and server rendering'
    >>> cut = page.verdict[0].__class__("React", "You want its ecosystem, including next.js and…", 40)
    >>> verdict_text(page, cut)[:40]
    'Its ecosystem, including Next.js and Rea'
    """
    raw = line.text.strip()
    try:
        pros = page.card(line.topic).pros
    except KeyError:
        pros = ()
    folded = raw.casefold()
    best = None
    for b in pros:
        text = clean_text(b.text)
        if text is None:
            continue
        for lead in ("you want ", "you prioritize "):
            if folded.startswith(lead + b.text.strip().rstrip(".").casefold()) and (
                    best is None or len(text) > len(best)):
                best = text
    if best is not None:
        return best
    m = _TEMPLATE.match(raw)
    core = clean_text(m.group(1) if m else raw)
    if core is not None and core.endswith(ELLIPSIS):  # a cut line: the pro it was cut from, whole
        start = core[:-1].rstrip().casefold()
        whole = [t for b in pros if (t := clean_text(b.text)) and t.casefold().startswith(start)]
        if whole:
            return whole[0]
    return None if core is None else core[:1].upper() + core[1:]


__all__ = ["card_points", "clean_text", "verdict_text"]
