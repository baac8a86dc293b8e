"""A corpus generator with a hidden model, for evaluation and benchmarks.

The hidden model: topics sit in categories; each has a popularity (how often it
is compared), a latent strength (how often it wins) and a small profile of
related slugs drawn from its category (the category's concepts and other topics
of the category, with a little noise from other categories). A document picks
its first topic by popularity and its opponent mostly from the same category,
again by popularity; the pick is drawn from the strengths (Bradley–Terry).

With ``platforms=N`` the world also has N *platform* topics (think Python under
Django and Flask): a category of their own, compared only among themselves, and
each other category builds on one of them — its topics list their platform as
related on most pages. A platform is what a topic is built on, never an
alternative to it: ``pickgraph evaluate`` counts how often a method still
suggests it (the *platform share*).

With ``popularity="zipf:S"`` the same world gets a hub-heavy popularity instead
of the log-normal one: the topic of the ``r``-th highest log-normal draw gets
``r ** -S``, so the names, strengths and categories stay those of the seed and a
few topics (a language, a database) are compared with thousands of others, as on
real comparison sites.

Because the truth is known, the generating process can score itself
(:func:`oracle_pair_score`, :func:`oracle_pick`): that is the ceiling a method
can be read against. :func:`write` stores it beside the pages as
``hidden-model.json``, which ``pickgraph evaluate`` picks up.

>>> c = generate(n_docs=30, n_topics=20, seed=1)
>>> len(c.pages), len(c.model["topics"])
(30, 20)
>>> from graph.read import parse_text
>>> page = parse_text(c.pages[sorted(c.pages)[0]])
>>> page.pick in page.topics
True
"""

from __future__ import annotations

import json
import math
import os
import random
from itertools import accumulate
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import PickgraphError
from graph.read.render import render_comparison
from graph.resolve.names import slugify

MODEL_FILE = "hidden-model.json"

_ONSETS = ["b", "br", "c", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pl",
           "qu", "r", "st", "t", "tr", "v", "z"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "io", "ea"]
_CODAS = ["", "n", "r", "x", "l", "m", "k", "nd", "rt"]
_SUFFIXES = ["", "", "", " DB", " Flow", " Mesh", " Kit", " Stack", " Cloud", " Lab"]
_AREAS = ["stores", "pipelines", "testing", "security", "frameworks", "runtimes", "queues", "monitoring",
          "deployment", "languages", "caching", "analytics"]
_STRENGTHS = ["keeps latency low under heavy load", "ships with sensible defaults for small teams",
              "has a large ecosystem of plugins and guides", "scales out without manual sharding",
              "makes failures easy to trace and replay", "integrates cleanly with existing tooling",
              "needs very little configuration to get started", "gives precise control over resources"]


class GeneratorError(PickgraphError):
    """Impossible generator settings."""


@dataclass
class Corpus:
    """Generated pages ``{file name: text}`` and the hidden model that produced them."""

    pages: dict[str, str]
    model: dict[str, Any]


def _word(rng: random.Random) -> str:
    w = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.choice((1, 2, 2)))) + rng.choice(_CODAS)
    return w.rstrip("s") or "zo"


def _names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = _word(rng).capitalize() + rng.choice(_SUFFIXES)
        key = slugify(name).replace("-", "")
        if key not in taken and not key.endswith("s"):
            taken.add(key)
            out.append(name)
    return out


def _weighted(rng: random.Random, items: list, weights: list[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _cumulative(weights: list[float]) -> list[float]:
    # what rng.choices(weights=…) computes on every call: done once per pool, the draws stay identical
    return list(accumulate(weights))


#: the popularity law of :func:`generate` unless told: a log-normal draw per topic
LOGNORMAL = "lognormal"


def parse_popularity(text: str) -> tuple[str, float]:
    """``"lognormal"`` or ``"zipf:S"`` (``S`` > 0) as ``(law, exponent)``; anything else is a :class:`GeneratorError`.

    >>> parse_popularity("zipf:1.1"), parse_popularity("lognormal")
    (('zipf', 1.1), ('lognormal', 0.0))
    """
    law, _, arg = text.partition(":")
    if law == LOGNORMAL and not arg:
        return LOGNORMAL, 0.0
    if law == "zipf":
        try:
            s = float(arg)
        except ValueError:
            s = math.nan
        if s > 0 and math.isfinite(s):
            return "zipf", s
    raise GeneratorError(f"popularity is 'lognormal' or 'zipf:S' with an exponent S above 0, not {text!r}")


def _zipf(drawn: list[float], s: float) -> list[float]:
    """``rank ** -s`` by the rank of each draw (1 for the highest; ties by position), to 4 significant digits
    (rounding to 4 decimals, as the log-normal draws are, would make the long tail 0: never compared)."""
    order = sorted(range(len(drawn)), key=lambda i: (-drawn[i], i))
    out = [0.0] * len(drawn)
    for rank, i in enumerate(order, 1):
        out[i] = float(f"{rank ** -s:.4g}")
    return out


def generate(n_docs: int = 2000, n_topics: int = 400, seed: int = 0, *, per_category: int = 12,
             within: float = 0.85, mirror: float = 0.02, compact: float = 0.2, platforms: int = 0,
             platform_listed: float = 0.8, popularity: str = LOGNORMAL) -> Corpus:
    """Draw ``n_docs`` comparison pages over ``n_topics`` topics from a fresh hidden model.

    ``within``: share of comparisons inside one category; ``mirror``: share of pages that
    repeat an existing pair the other way round (contested when the pick differs);
    ``compact``: share of pages in the compact layout. ``platforms``: how many of the
    ``n_topics`` are platform topics (see the module docstring; 0, the default, draws the
    same world as before platforms existed); ``platform_listed``: share of a page's cards
    that list their topic's platform as related. ``popularity``: ``"lognormal"`` (the default)
    or ``"zipf:S"``, hub-heavy (see the module docstring).

    >>> c = generate(60, 24, seed=3, platforms=2)
    >>> c.model["platforms"], c.model["topics"][0]["platform"]
    (['caiplik-flow', 'zulaik-flow'], 'caiplik-flow')
    """
    if n_topics - platforms < 4 or n_docs < 1:
        raise GeneratorError("need at least 4 topics (besides platforms) and 1 document")
    if platforms < 0 or platforms == 1:
        raise GeneratorError("platforms are compared among themselves: 0, or 2 or more")
    law, exponent = parse_popularity(popularity)
    rng = random.Random(seed)
    n_regular = n_topics - platforms
    n_cat = max(2, round(n_regular / per_category))
    taken: set[str] = set()
    cat_names = [f"{_word(rng)}-{rng.choice(_AREAS)}" for _ in range(n_cat)]
    if platforms:
        cat_names.append(f"{_word(rng)}-languages")  # the platforms' own category, number n_cat
    concepts = [[slugify(c)] + [slugify(f"{w} {rng.choice(_AREAS)}") for w in _names(rng, 3, taken)]
                for c in cat_names]
    concept_w = [1.0, 0.6, 0.35, 0.2]
    names = _names(rng, n_topics, taken)
    topics = []
    for i, name in enumerate(names):
        topics.append({"name": name, "slug": slugify(name), "category": i % n_cat if i < n_regular else n_cat,
                       "popularity": round(rng.lognormvariate(0, 1.0), 4), "strength": round(rng.gauss(0, 1.2), 4)})
    if law == "zipf":
        # the same draws reshaped, so every other part of the world stays that of the seed
        for t, p in zip(topics, _zipf([t["popularity"] for t in topics], exponent)):
            t["popularity"] = p
    members: list[list[int]] = [[] for _ in cat_names]
    for i, t in enumerate(topics):
        members[t["category"]].append(i)
    pop = [t["popularity"] for t in topics]
    cum_pop = _cumulative(pop)
    cum_members = [_cumulative([pop[m] for m in ms]) for ms in members]
    regular = list(range(n_regular))
    cum_regular = _cumulative(pop[:n_regular])
    if platforms:
        # category c builds on platform c % platforms
        for t in topics[:n_regular]:
            t["platform"] = topics[n_regular + t["category"] % platforms]["slug"]
        for t in topics[n_regular:]:
            t["platform"] = None

    # Each topic's related profile: mostly its category's concepts, some of its category's topics
    # (a topic that builds on a platform lists it first).
    for i, t in enumerate(topics):
        prof: list[str] = [t["platform"]] if t.get("platform") else []
        while len(prof) < 4:
            r = rng.random()
            if r < 0.55:
                s = _weighted(rng, concepts[t["category"]], concept_w)
            elif r < 0.9:
                j = _weighted(rng, members[t["category"]], [pop[m] for m in members[t["category"]]])
                s = topics[j]["slug"]
            else:
                s = rng.choice(rng.choice(concepts))
            if s != t["slug"] and s not in prof:
                prof.append(s)
        t["related"] = prof

    pairs: set[tuple[int, int]] = set()
    ordered: set[tuple[int, int]] = set()
    docs: list[tuple[int, int, int]] = []
    all_idx = list(range(n_topics))
    attempts = 0
    while len(docs) < n_docs:
        attempts += 1
        if attempts > 50 * n_docs:
            raise GeneratorError(f"cannot draw {n_docs} distinct comparisons over {n_topics} topics")
        if docs and rng.random() < mirror:
            a0, b0, _ = docs[rng.randrange(len(docs))]
            a, b = b0, a0
            if (a, b) in ordered:
                continue
        else:
            a = rng.choices(all_idx, cum_weights=cum_pop, k=1)[0]
            if a >= n_regular:  # a platform: compared only with another platform
                b = rng.choices(members[n_cat], cum_weights=cum_members[n_cat], k=1)[0]
            elif rng.random() < within:
                cat = topics[a]["category"]
                b = rng.choices(members[cat], cum_weights=cum_members[cat], k=1)[0]
            else:
                b = rng.choices(regular, cum_weights=cum_regular, k=1)[0]
            if a == b or (min(a, b), max(a, b)) in pairs:
                continue
        pairs.add((min(a, b), max(a, b)))
        ordered.add((a, b))
        p = 1 / (1 + math.exp(topics[b]["strength"] - topics[a]["strength"]))
        docs.append((a, b, a if rng.random() < p else b))

    pages: dict[str, str] = {}
    width = len(str(n_docs))
    for k, (a, b, w) in enumerate(docs):
        ta, tb = topics[a], topics[b]
        text = render_comparison(
            ta["name"], tb["name"], topics[w]["name"],
            descriptions={t["name"]: f"Developers should use {t['name']} when working with {cat_names[t['category']].replace('-', ' ')}"
                          for t in (ta, tb)},
            pros={t["name"]: [f"It {rng.choice(_STRENGTHS)}"] for t in (ta, tb)},
            related={t["name"]: _listed(rng, t, platform_listed) for t in (ta, tb)},
            compact=rng.random() < compact)
        pages[f"g{k:0{width}d}_{ta['slug']}-vs-{tb['slug']}.txt"] = text
    model = {"seed": seed, "n_docs": n_docs, "within": within, "categories": cat_names, "topics": topics}
    if law != LOGNORMAL:
        model["popularity"] = popularity  # absent for the default: hidden models written before stay the same
    if platforms:
        model["platforms"] = [t["slug"] for t in topics[n_regular:]]
    return Corpus(pages, model)


def _listed(rng: random.Random, t: dict[str, Any], platform_listed: float) -> list[str]:
    """The two related slugs a page's card shows: the platform on most pages, when the topic has one."""
    if not t.get("platform"):
        return rng.sample(t["related"], 2)
    rest = [s for s in t["related"] if s != t["platform"]]
    if rng.random() < platform_listed:
        return [t["platform"], rng.choice(rest)]
    return rng.sample(rest, 2)


def write(corpus: Corpus, folder: str | os.PathLike[str]) -> Path:
    """Write the pages and ``hidden-model.json`` into ``folder`` (created); returns the folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in corpus.pages.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / MODEL_FILE).write_text(json.dumps(corpus.model, indent=1, sort_keys=True), encoding="utf-8")
    return out


def load_model(paths: list[str] | tuple[str, ...]) -> dict[str, Any] | None:
    """The hidden model stored beside a generated corpus (the first input folder that has one)."""
    for p in paths:
        f = Path(p) / MODEL_FILE
        if f.is_file():
            return json.loads(f.read_text(encoding="utf-8"))
    return None


class Oracle:
    """The generating process, scoring with its true parameters (keyed by topic slug)."""

    def __init__(self, model: dict[str, Any], canonical=lambda s: s):
        self.within = model["within"]
        self.topics = {canonical(t["slug"]): t for t in model["topics"]}
        #: the platform topics (slugs), and the platform each other topic builds on
        self.platforms = {canonical(s) for s in model.get("platforms", [])}
        self.platform_of = {s: canonical(t["platform"]) for s, t in self.topics.items() if t.get("platform")}
        total = sum(t["popularity"] for t in self.topics.values())
        self.share = {s: t["popularity"] / total for s, t in self.topics.items()}
        cat_total: dict[int, float] = {}
        for s, t in self.topics.items():
            cat_total[t["category"]] = cat_total.get(t["category"], 0.0) + t["popularity"]
        self.cat_total = cat_total
        self.total = total
        self.regular_total = sum(t["popularity"] for s, t in self.topics.items() if s not in self.platforms)

    def _p_opponent(self, a: str, b: str) -> float:
        ta, tb = self.topics[a], self.topics[b]
        if (a in self.platforms) != (b in self.platforms):
            return 0.0  # platforms are compared only among themselves
        if a in self.platforms:
            return tb["popularity"] / self.cat_total[ta["category"]]
        same = self.within * tb["popularity"] / self.cat_total[ta["category"]] if ta["category"] == tb["category"] else 0
        return same + (1 - self.within) * tb["popularity"] / self.regular_total

    def pair_score(self, a: str, b: str) -> float:
        """Probability that a fresh document compares ``a`` with ``b`` (0 for unknown topics)."""
        if a not in self.topics or b not in self.topics:
            return 0.0
        return self.share[a] * self._p_opponent(a, b) + self.share[b] * self._p_opponent(b, a)

    def pick(self, a: str, b: str) -> float:
        """True probability that ``a`` is picked over ``b`` (0.5 for unknown topics)."""
        if a not in self.topics or b not in self.topics:
            return 0.5
        return 1 / (1 + math.exp(self.topics[b]["strength"] - self.topics[a]["strength"]))


__all__ = ["Corpus", "GeneratorError", "LOGNORMAL", "MODEL_FILE", "Oracle", "generate", "parse_popularity",
           "write", "load_model"]
