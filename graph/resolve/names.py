"""Resolve: which names and slugs are one topic.

Every name on a page and every ``Related to:`` slug becomes a *slug* first
(:func:`slugify`); slugs are then merged by these rules, in this order, each
merge recorded with its rule and evidence so ``pickgraph identity`` can explain
it:

1. ``slug``        — the same slug (case, spaces, punctuation: ``containerd`` / ``Containerd``);
2. ``hyphenation`` — the same once hyphens are dropped (``git-flow`` / ``gitflow``);
3. ``plural``      — the last word singular/plural (``canary-deployment`` / ``canary-deployments``),
   guarded against words that only look plural (``redis``, ``kubernetes``, ``pandas``, ``analysis``);
4. ``topic-page``  — an ``Also known as:`` alias on a topic page;
5. ``definition``  — a topic page's definition opening ``Long Name (ABBR) …`` or ``ABBR (Long Name) …``,
   one of the two the page's own name, when the other is a topic too (``Client-Side Rendering`` / ``CSR``);
6. ``alias-file``  — the user's alias file (``aliases.toml``), which may also keep two slugs apart.

>>> slugify("C++"), slugify("C#"), slugify(".NET"), slugify("Node.js"), slugify("Model Robustness")
('c-plus-plus', 'c-sharp', 'dot-net', 'node-js', 'model-robustness')
>>> r = Resolver()
>>> for name in ("Canary Deployments", "Canary Deployment", "Redis"): _ = r.add_name(name)
>>> _ = r.add_slug("redi")
>>> ident = r.resolve()
>>> ident.canonical("canary-deployments"), ident.canonical("redis")
('canary-deployment', 'redis')
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from graph.read.files import read_text_file
from graph.read.records import display_path
from graph.errors import PickgraphError


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Latin letters that have no decomposition to ASCII (NFKD keeps them whole).
_LATIN_EXTRA = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
#: The marker of a slug that carries a hash of its name (see :func:`slugify`).
HASH_MARK = "u"


@lru_cache(maxsize=1 << 21)  # a corpus names each topic many times; a million pages name ~600k strings
def slugify(name: str) -> str:
    """The topic id of a name: lowercase ASCII words joined by ``-``.

    ``+`` → ``plus``, ``#`` → ``sharp``, a leading ``.`` → ``dot``; accents are
    dropped (``é`` → ``e``); every other run of non-alphanumerics → ``-``.

    A name whose letters or digits do not all have an ASCII spelling (``日本語``,
    ``Σ Stack``), or that has none at all (``!!!``, an emoji), would lose what
    tells it apart; its slug ends in ``u-`` and ten hex digits of the SHA-256
    of the name (NFKC, case-folded, spaces collapsed), after whatever ASCII
    words it has. So it is never empty, is the same on every run, and two such
    names never share it, while the same name in another case or spacing does.

    >>> slugify("  Write-Back   Caching "), slugify("Crème Brûlée"), slugify("F#/.NET")
    ('write-back-caching', 'creme-brulee', 'f-sharp-net')
    >>> slugify("日本語"), slugify("日本語 API"), slugify("!!!") != slugify("???")
    ('u-77710aedc7', 'api-u-7974d031ef', True)
    """
    if name.isascii():
        s = _ascii_slug(name)
        if s or not name.strip():
            return s
        folded = name.lower()
    else:
        folded = unicodedata.normalize("NFKC", name).casefold().translate(_LATIN_EXTRA)
        letters = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
        s = _ascii_slug(letters.encode("ascii", "ignore").decode("ascii"))
        if s and not any(c.isalnum() and not c.isascii() for c in letters):
            return s
    key = " ".join(folded.split())
    tag = f"{HASH_MARK}-{hashlib.sha256(key.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"
    return f"{s}-{tag}" if s else tag


def _ascii_slug(name: str) -> str:
    s = name.strip().lower()
    if s.startswith("."):
        s = "dot " + s[1:]
    s = s.replace("+", " plus ").replace("#", " sharp ")
    return _NON_ALNUM.sub("-", s).strip("-")


_SMALL_WORDS = frozenset("a an and as at by for in of on or the to vs with".split())
# How a word known only from a slug is usually written; everything else is capitalised.
_WORD_SPELLING = {w.lower(): w for w in (
    "AI ML CI CD UI UX API APM AWS ETL ELT IDE ORM SDK SSO IoT OLAP OLTP ACID REST JSON YAML "
    "NoSQL PostGIS OpenID WebAssembly JavaScript TypeScript GitHub GitLab MLOps DevOps DevSecOps "
    "GraphQL PostgreSQL MySQL MongoDB InnoDB gRPC OAuth macOS iOS"
).split()}


def label_from_slug(slug: str) -> str:
    """A readable label for a topic known only by a slug.

    >>> label_from_slug("machine-learning"), label_from_slug("aws-lambda"), label_from_slug("infrastructure-as-code")
    ('Machine Learning', 'AWS Lambda', 'Infrastructure as Code')
    >>> label_from_slug("key-value-store"), label_from_slug("nosql"), label_from_slug("sql"), label_from_slug("web-security")
    ('Key Value Store', 'NoSQL', 'SQL', 'Web Security')
    """
    words = []
    for i, w in enumerate(slug.split("-")):
        if w in _WORD_SPELLING:
            words.append(_WORD_SPELLING[w])
        elif w in _SMALL_WORDS and i:
            words.append(w)
        elif len(w) <= 4 and w.isalpha() and not set(w) & set("aeiouy"):
            words.append(w.upper())  # no vowel, so an acronym: SQL, JWT, TLS, HTTP
        else:
            words.append(w[:1].upper() + w[1:])
    return " ".join(words)


def display_name(seen: Counter[str] | dict[str, int], slug: str = "") -> str:
    """The label of a topic: the spelling its pages use most often, as written (never re-cased nor
    de-hyphenated); ``""`` when no page spells it. A tie goes to a spelling of the canonical ``slug``
    (the topic page's name, or the name written most often), then to the one the site is least
    likely to have re-cased: more capitals after the first letter (``JUnit``), then a lowercase
    first letter (``containerd``: capitalising is what a re-casing does), then more hyphens
    (``Read-Through Caching``), then the alphabet.

    >>> display_name({"Junit": 1, "JUnit": 1}), display_name({"Containerd": 2, "containerd": 2})
    ('JUnit', 'containerd')
    >>> display_name({"Read Through Caching": 1, "Read-Through Caching": 1}), display_name({"Gitflow": 3, "Git Flow": 1})
    ('Read-Through Caching', 'Gitflow')
    >>> display_name({"OLTP": 2, "Online Transaction Processing": 2}, "online-transaction-processing")
    'Online Transaction Processing'
    """
    if not seen:
        return ""
    return min(seen, key=lambda n: (-seen[n], slugify(n) != slug, -sum(c.isupper() for c in n[1:]),
                                    not n[:1].islower(), -n.count("-"), n))


def _load_not_plurals() -> frozenset[str]:
    text = resources.files("graph.resolve").joinpath("not_plurals.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


NOT_PLURALS = _load_not_plurals()
# Endings of singular words that merely end in "s" (analysis, status, class, physics, famous).
_SINGULAR_S_ENDINGS = ("ss", "us", "is", "ics", "ous", "os")


def looks_plural(word: str) -> bool:
    """Whether a word may be the plural of a shorter one (the guard of the plural rule).

    >>> [looks_plural(w) for w in ("deployments", "redis", "kubernetes", "pandas", "analysis", "caches")]
    [True, False, False, False, False, True]
    """
    if not word.endswith("s") or word in NOT_PLURALS or len(word) <= 3:
        return False
    if word.endswith("is") and len(word) <= 4:  # apis, kpis: acronyms in the plural
        return True
    return not word.endswith(_SINGULAR_S_ENDINGS)


def singulars(word: str) -> list[str]:
    """Candidate singulars of a plural-looking word, most likely first."""
    # by hand, not inflect or inflection: they know no product names (redis, pandas) so would need the word
    # list as well, and make the same merges here at hundreds of times the cost (docs/reading.md)
    if not looks_plural(word):
        return []
    out = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    out.append(word[:-1])
    return out


@dataclass(frozen=True)
class Merge:
    """One merge: ``slug`` was folded into ``into`` by ``rule``, because of ``evidence``."""

    slug: str
    into: str
    rule: str
    evidence: str

    def to_dict(self) -> dict[str, str]:
        return {"slug": self.slug, "into": self.into, "rule": self.rule, "evidence": self.evidence}


@dataclass
class AliasFile:
    """The user's curated identity: ``canonical = [names…]`` and pairs to keep apart."""

    path: str = ""
    aliases: dict[str, list[str]] = field(default_factory=dict)
    keep_apart: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> "AliasFile":
        """Read ``aliases.toml``::

            [aliases]
            canary-deployment = ["Canary Release", "canary-releases"]

            [keep_apart]
            pairs = [["java", "javascript"]]
        """
        p = Path(path)
        shown = display_path(str(p))
        # read like a page: a pipe or a device given as the alias file must not hang the build
        text = read_text_file(str(p), "alias file")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PickgraphError(f"{shown}: not valid TOML: {exc}") from None
        except (RecursionError, MemoryError):  # tomllib recurses once per level of nesting
            raise PickgraphError(f"{shown}: too deeply nested (arrays or tables inside each other beyond what "
                                 "can be read); an alias file holds lists of names") from None
        aliases = data.get("aliases", {})
        pairs = data.get("keep_apart", {}).get("pairs", [])
        if not isinstance(aliases, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in aliases.values()
        ):
            raise PickgraphError(f"{shown}: [aliases] must map a canonical name to a list of names")
        if not isinstance(pairs, list) or not all(
            isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x) for x in pairs
        ):
            raise PickgraphError(f"{shown}: [keep_apart] pairs must be a list of two-name lists")
        return cls(str(p), {k: list(v) for k, v in aliases.items()}, [(a, b) for a, b in pairs])


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller root wins so the result does not depend on the order of unions
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


@dataclass
class Identity:
    """The resolved identity of every slug: its canonical slug, name and labels."""

    canon: dict[str, str]
    names: dict[str, str]
    labels: dict[str, list[str]]
    merges: list[Merge]
    kept_apart: list[tuple[str, str, str]]
    keep_apart: list[tuple[str, str]] = field(default_factory=list)

    def canonical(self, name_or_slug: str) -> str:
        """The canonical slug of a name or slug (itself if never seen)."""
        s = slugify(name_or_slug)
        return self.canon.get(s, s)


class Resolver:
    """Collects names and slugs, then :meth:`resolve` merges them."""

    def __init__(self, alias_file: AliasFile | None = None):
        self.alias_file = alias_file or AliasFile()
        self.name_counts: dict[str, Counter[str]] = defaultdict(Counter)  # slug -> label counts
        self.slugs: set[str] = set()
        self.page_names: set[str] = set()  # slugs named by a topic page
        self.page_aliases: list[tuple[str, str, str]] = []  # (topic slug, alias, page path)
        self.definitions: list[tuple[str, str, str]] = []  # (topic slug, other name, evidence)

    def add_name(self, name: str) -> str:
        s = slugify(name)
        self.slugs.add(s)
        self.name_counts[s][name] += 1
        return s

    def add_slug(self, slug: str) -> str:
        s = slugify(slug)
        self.slugs.add(s)
        return s

    def add_topic_page(self, name: str, aliases: tuple[str, ...], path: str) -> None:
        s = self.add_name(name)
        self.page_names.add(s)
        for a in aliases:
            self.add_name(a)
            self.page_aliases.append((s, a, path))

    def add_definition(self, name: str, path: str, first: str, second: str, definition: str) -> None:
        """A topic page called ``name`` whose definition opens with two names for one thing
        (:func:`~graph.read.records.opening_pair`); kept only when one of them is ``name``."""
        own = slugify(name)
        for this, other in ((first, second), (second, first)):
            if slugify(this) == own or slugify(this).replace("-", "") == own.replace("-", ""):
                opening = definition if len(definition) <= 80 else definition[:79] + "…"
                self.definitions.append((own, other, f"{path}: the definition of {name!r} opens {opening!r}"))
                return

    def resolve(self) -> Identity:
        uf = _UnionFind()
        apart = {frozenset((slugify(a), slugify(b))) for a, b in self.alias_file.keep_apart}
        members: dict[str, set[str]] = {s: {s} for s in self.slugs}
        merges: list[Merge] = []
        kept: list[tuple[str, str, str]] = []
        slugs = sorted(self.slugs)

        def join(a: str, b: str, rule: str, evidence: str) -> None:
            ra, rb = uf.find(a), uf.find(b)
            if ra == rb:
                return
            for x in members[ra]:
                for y in members[rb]:
                    if frozenset((x, y)) in apart:
                        kept.append((a, b, f"{rule} rule would merge them; the alias file keeps {x} and {y} apart"))
                        return
            merges.append(Merge(b, a, rule, evidence))
            uf.union(a, b)
            r = uf.find(a)
            members[r] = members.pop(ra, set()) | members.pop(rb, set()) | members.get(r, set())

        # rule 1 is slugify itself: record where distinct spellings met in one slug
        slug_merges = []
        for s in slugs:
            spellings = sorted(self.name_counts.get(s, {}))
            if len(spellings) > 1:
                slug_merges.append(Merge(s, s, "slug", " = ".join(spellings)))
        # rule 2: hyphenation
        by_bare: dict[str, list[str]] = defaultdict(list)
        for s in slugs:
            by_bare[s.replace("-", "")].append(s)
        for group in by_bare.values():
            for other in group[1:]:
                join(group[0], other, "hyphenation", f"{group[0]} and {other} differ only in hyphens")
        # rule 3: plural of the last word
        present = set(slugs)
        for s in slugs:
            head, _, last = s.rpartition("-")
            for sing in singulars(last):
                cand = f"{head}-{sing}" if head else sing
                if cand in present and cand != s:
                    join(cand, s, "plural", f"{last!r} is the plural of {sing!r}")
                    break
        # rule 4: topic-page aliases
        for s, alias, path in self.page_aliases:
            join(s, slugify(alias), "topic-page", f"{path} lists {alias!r} as also known as")
        # rule 5: a definition naming the topic twice, when the other name is a topic of its own
        for s, other, evidence in sorted(self.definitions):
            if (o := slugify(other)) in present:
                join(s, o, "definition", evidence)
        # rule 6: the alias file
        for canon, names in sorted(self.alias_file.aliases.items()):
            cs = slugify(canon)
            members.setdefault(cs, {cs})
            for n in names:
                ns = slugify(n)
                members.setdefault(ns, {ns})
                join(cs, ns, "alias-file", f"{self.alias_file.path or 'alias file'} lists {n!r} under {canon!r}")

        clusters: dict[str, list[str]] = defaultdict(list)
        for s in set(members) | present:
            clusters[uf.find(s)].append(s)
        canon: dict[str, str] = {}
        names: dict[str, str] = {}
        labels: dict[str, list[str]] = {}
        file_canon = {slugify(k) for k in self.alias_file.aliases}
        for group in clusters.values():
            best = min(group, key=lambda s: self._rank(s, file_canon))
            for s in group:
                canon[s] = best
            seen = Counter()
            for s in group:
                seen.update(self.name_counts.get(s, {}))
            name = self._display_name(best, seen)
            names[best] = name
            labels[best] = sorted(set(seen) | {name}, key=lambda x: (x.casefold(), x))
        # merges point at the canonical slug so the explanation reads "x → canonical"
        final = []
        for m in slug_merges + merges:
            into = canon[m.into]
            src = m.into if m.slug == into and m.into != into else m.slug
            final.append(Merge(src, into, m.rule, m.evidence))
        pairs = sorted(tuple(sorted(p)) for p in apart)
        return Identity(canon, names, labels, final, kept, pairs)

    def _rank(self, s: str, file_canon: set[str]) -> tuple:
        named = sum(self.name_counts.get(s, Counter()).values())
        return (s not in file_canon, s not in self.page_names, -named, len(s), s)

    def _display_name(self, slug: str, seen: Counter) -> str:
        return display_name(seen, slug) or label_from_slug(slug)
