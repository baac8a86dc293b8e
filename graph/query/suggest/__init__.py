""""You might also compare": topics worth comparing next, with reasons from the graph.

The model. Two topics are worth comparing when they sit in the same corner of
the graph and the candidate is a topic people compare. Each topic gets a
*profile*, a sparse vector over topics:

* its related topics (``related-to`` and ``alternative-to``), each weighted by
  rarity (``1/log(2 + degree)``) so that ``machine-learning``, which everything
  relates to, says less than ``fairness-metrics``;
* the topics it was compared with (weight :data:`OPPONENT`), so common opponents count;
* itself (weight :data:`SELF`), so that a topic listed as related counts too;
* a share (:data:`SMOOTH`) of its opponents' profiles — two-hop, category-like
  structure: topics compared with the same kind of topic are the same kind.

The affinity of two topics is the cosine of their profiles; the score multiplies
it by a popularity prior, ``(comparisons + PRIOR) ** POP``, because what gets
compared next is mostly what gets compared. A *settled* query, one with a few
opponents, leans on its community instead: its group ranks by popularity, a popular
topic outside it still ranks, its direct links weigh little and a slug no page names
counts as a concept (:meth:`Index._mix`); a topic whose few links split between two
groups counts as half in each (:func:`~graph.query.suggest.profiles.memberships`). The constants were
tuned with ``pickgraph evaluate`` on generated corpora (seeds other than the reported ones).

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison as page
>>> G = build_graph(ReadReport(pages=[
...     parse_text(page("Ant", "Bee", "Ant", related={"Ant": ["insects"], "Bee": ["honey"]}), "1"),
...     parse_text(page("Cat", "Dog", "Dog", related={"Cat": ["pets"], "Dog": ["honey"]}), "2")]))
>>> [(s["slug"], s["reasons"][0]) for s in suggest(G, "bee", k=1)]
[('dog', 'both relate to Honey')]
"""

from graph.query.suggest.constants import (ALTERNATIVE_BONUS, COMMUNITY, CONCEPT, DEMOTE, EPSILON,  # noqa: F401
                                           KIND_MISMATCH, LISTED, MEMBERSHIP, OPPONENT, PLATFORM_PRIOR, POP,
                                           PRIOR, RESOLUTION, SELF, SETTLE, SETTLED_FLOOR, SETTLED_LINKS, SMOOTH,
                                           UNNAMED, WALK)
from graph.query.suggest.index import Index, kept_index, platform_scores  # noqa: F401
from graph.query.suggest.reasons import reasons
from graph.query.suggest.scoring import SuggestError, suggest, suggest_answer, suggest_for_pair, suggest_many

__all__ = ["Index", "kept_index", "SuggestError", "reasons", "suggest", "suggest_many", "suggest_for_pair",
           "suggest_answer"]
