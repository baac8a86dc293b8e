"""The tuned constants of the suggestion model, in one place (tuned with ``pickgraph evaluate``; see docs/suggest.md)."""

import math

SELF = 0.5
OPPONENT = 0.4
SMOOTH = 0.5
#: Dimensions an opponent lends, at most, to a topic's profile (its heaviest: rare topics weigh most). A hub's
#: thousands of opponents would each copy all of its thousands of dimensions, work and memory that grow with
#: the square of its degree; below the cap (every topic of a 2,000-page world) nothing changes.
SMOOTH_CAP = 64
PRIOR = 0.5
POP = 0.9
#: Weight of being listed as related by another topic, as evidence of popularity.
LISTED = 0.5
#: Bonus affinity for two topics in the same community of the graph (Louvain): category-like structure.
#: Strong enough that a query's own kind ranks mostly by popularity, as what gets compared next does.
COMMUNITY = 1.0
#: Louvain resolution: above 1 favours small communities, closer to a category than to a whole field.
RESOLUTION = 3.0
#: How sure one unit of link weight into a community makes a topic of belonging there: a topic's membership of
#: each community is ``exp(MEMBERSHIP * w)`` for its link weight ``w`` into it, normalised over every community
#: (one link: about 0.82 when there are 34 communities; two: all but sure). Louvain must put a topic with one
#: link into each of two communities in one of them; with this, it is half in each
#: (:func:`~graph.query.suggest.profiles.memberships`).
MEMBERSHIP = 5.0
#: Weight of a short random walk with restart from the query (3 steps over every link), which
#: reaches well-linked topics a few hops away; scaled to 1 at its best candidate.
WALK = 0.3
#: Prior factor of a topic no page names (known only as a ``Related to:`` slug): a concept more than a product.
UNNAMED = 1.0
#: Floor of the affinity, so that topics the graph says nothing about still rank by popularity.
EPSILON = 1e-4
#: Shrinkage of the platform score: a topic listed as related by ``n`` topics it was never compared
#: with scores at most ``n / (n + PLATFORM_PRIOR)``, so one or two listings say little.
PLATFORM_PRIOR = 2.0
#: Affinity bonus of a topic its topic page lists as an alternative (either way).
ALTERNATIVE_BONUS = 1.0
#: Power of the demotion: a candidate demoted by ``d`` (:meth:`Index.demotion`) keeps ``(1 - d) ** DEMOTE``
#: of its score.
DEMOTE = 3.0
#: How many opponents it takes for a query's community and the popularity of its members to outweigh its
#: direct links (half way; the shift goes with the fourth power of the opponents, so it is quick): a topic
#: compared a few times is mostly compared next within its own group, by popularity, and its own links say
#: little more; for a topic compared once or never, its links are all there is (:meth:`Index._mix`).
SETTLE = 1.5
#: Weight of the direct links (cosine and walk) of a settled query, against 1 for its community.
SETTLED_LINKS = 0.01
#: Affinity floor of a settled query: a popular topic outside its group and without links still ranks,
#: a hundredth of a group member as popular (:data:`EPSILON` for a query with no opponents).
SETTLED_FLOOR = 0.01
#: Prior factor, for a settled query, of a topic no page names: after that many pages, a concept.
CONCEPT = 0.01
#: Score factor of two topics whose topic pages give different kinds (``concept`` and ``tool``).
KIND_MISMATCH = 0.5


def rarity(degree: int) -> float:
    """What a link through a topic of ``degree`` links says: ``machine-learning``, which everything relates
    to, less than ``fairness-metrics`` (``1 / log(2 + degree)``)."""
    return 1 / math.log(2 + degree)
