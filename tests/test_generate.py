"""The hidden-model corpus generator."""

import math

import pytest

from graph.evaluate.generate import GeneratorError, Oracle, generate, load_model, write
from graph.evaluate.score import ceiling
from graph.build.pipeline import build
from graph.read import parse_text


def test_deterministic_and_seeded():
    a, b, c = generate(40, 16, seed=5), generate(40, 16, seed=5), generate(40, 16, seed=6)
    assert a.pages == b.pages and a.model == b.model
    assert a.pages != c.pages


def test_pages_parse_and_follow_the_model(tmp_path):
    corpus = generate(120, 24, seed=2)
    folder = write(corpus, tmp_path / "gen")
    G, report = build([folder])
    assert report.rejections == [] and len(report.comparisons) == 120
    topics = {t["slug"]: t for t in corpus.model["topics"]}
    assert set(topics) <= set(G.nodes)
    same = sum(topics[p.topics[0].lower().replace(" ", "-")]["category"] ==
               topics[p.topics[1].lower().replace(" ", "-")]["category"] for p in report.comparisons)
    assert same / 120 > 0.7  # mostly within a category (within=0.85 plus chance)
    for p in report.comparisons:
        assert p.pick in p.topics
    assert load_model([str(folder)])["seed"] == 2


def test_related_slugs_come_from_the_topic_profile():
    corpus = generate(30, 12, seed=3)
    profile = {t["name"]: set(t["related"]) for t in corpus.model["topics"]}
    for text in corpus.pages.values():
        page = parse_text(text)
        for card in page.cards:
            assert set(card.related) <= profile[card.name] and len(card.related) == 2


def test_oracle_probabilities():
    model = generate(30, 12, seed=4).model
    o = Oracle(model)
    t0, t1 = model["topics"][0], model["topics"][1]
    assert o.pick(t0["slug"], t1["slug"]) == pytest.approx(1 / (1 + math.exp(t1["strength"] - t0["strength"])))
    assert o.pick("unknown", t0["slug"]) == 0.5
    a, b = t0["slug"], t1["slug"]
    assert o.pair_score(a, b) == o.pair_score(b, a) > 0
    # by hand: first topic by popularity, then the opponent within the category or from anywhere
    pops = {t["slug"]: t["popularity"] for t in model["topics"]}
    cat = {t["slug"]: t["category"] for t in model["topics"]}
    total = sum(pops.values())

    def p_opp(x, y):
        in_cat = sum(p for s, p in pops.items() if cat[s] == cat[x])
        return (model["within"] * pops[y] / in_cat if cat[x] == cat[y] else 0) + (1 - model["within"]) * pops[y] / total

    assert o.pair_score(a, b) == pytest.approx(pops[a] / total * p_opp(a, b) + pops[b] / total * p_opp(b, a))
    assert o.pair_score("unknown", a) == 0.0


def test_ceiling_keys():
    c = ceiling(generate(80, 20, seed=1), holdout=0.25, seeds=2)
    assert set(c["suggest"]) == {"hits@5", "hits@10", "mrr", "coverage"}
    assert 0 < c["suggest"]["hits@10"][0] <= 1 and 0.5 < c["picks"]["accuracy"][0] <= 1


def test_impossible_settings():
    with pytest.raises(GeneratorError):
        generate(1, 2)
    with pytest.raises(GeneratorError):
        generate(100, 4, seed=0)  # 6 pairs, each at most once each way


def test_platform_mode_is_deterministic_and_keeps_platforms_apart():
    a, b = generate(200, 40, seed=11, platforms=3), generate(200, 40, seed=11, platforms=3)
    assert a.pages == b.pages and a.model == b.model
    model = a.model
    platforms = model["platforms"]
    assert len(platforms) == 3 and [t["slug"] for t in model["topics"][-3:]] == platforms
    by_name = {t["name"]: t for t in model["topics"]}
    by_slug = {t["slug"]: t for t in model["topics"]}
    listed = 0
    for text in a.pages.values():
        page = parse_text(text)
        x, y = (by_name[n]["slug"] for n in page.topics)
        # compared only among themselves: a page has two platforms or none
        assert (x in platforms) == (y in platforms)
        for card in page.cards:
            t = by_name[card.name]
            if t["platform"]:
                listed += t["platform"] in card.related
    regular = [t for t in model["topics"] if t["slug"] not in platforms]
    # category c builds on platform c % 3, which heads the topic's related profile
    assert all(t["platform"] == platforms[t["category"] % 3] == t["related"][0] for t in regular)
    assert all(by_slug[p]["platform"] is None for p in platforms)
    assert listed > 0.6 * 2 * 200 * (1 - 0.1)  # most cards list their platform (0.8 of them, less platform pages)


def test_platform_mode_off_draws_the_default_world():
    assert generate(80, 20, seed=4, platforms=0).pages == generate(80, 20, seed=4).pages
    assert "platforms" not in generate(80, 20, seed=4).model
    with pytest.raises(GeneratorError):
        generate(80, 20, seed=4, platforms=1)  # a platform needs another to be compared with


def test_oracle_never_pairs_a_platform_with_a_regular_topic():
    model = generate(200, 40, seed=11, platforms=3).model
    o = Oracle(model)
    p1, p2 = model["platforms"][:2]
    t = model["topics"][0]["slug"]
    assert o.platform_of[t] == model["topics"][0]["platform"]
    assert o.pair_score(t, p1) == 0.0 and o.pair_score(p1, p2) > 0


def _degrees(corpus):
    """Comparison pages per topic slug, from the file names (``gNNNN_A-vs-B.txt``)."""
    import collections

    deg = collections.Counter()
    for name in corpus.pages:
        a, b = name.split("_", 1)[1].removesuffix(".txt").split("-vs-")
        deg[a] += 1
        deg[b] += 1
    return deg


def test_zipf_popularity_makes_hubs_in_the_same_world():
    even, hubs = generate(2000, 400, seed=7), generate(2000, 400, seed=7, popularity="zipf:1.1")
    assert generate(2000, 400, seed=7, popularity="zipf:1.1").pages == hubs.pages  # deterministic for a seed
    # the same world (names, strengths, categories), the popularity reshaped by the rank of the same draws
    keep = ("name", "slug", "category", "strength")
    assert [{k: t[k] for k in keep} for t in hubs.model["topics"]] == [{k: t[k] for k in keep} for t in even.model["topics"]]
    order = sorted(range(400), key=lambda i: (-even.model["topics"][i]["popularity"], i))
    assert [hubs.model["topics"][i]["popularity"] for i in order[:3]] == [1.0, 0.4665, 0.2987]  # 2 ** -1.1, 3 ** -1.1
    assert hubs.model["popularity"] == "zipf:1.1" and "popularity" not in even.model
    deg, even_deg = _degrees(hubs), _degrees(even)
    assert deg.most_common(3) == [("baflio-stack", 171), ("pliofliok-kit", 119), ("dromio-lab", 90)]
    assert even_deg.most_common(1) == [("damai-lab", 47)]
    assert sorted(deg.values())[len(deg) // 2] == 7 and sorted(even_deg.values())[len(even_deg) // 2] == 9


def test_a_bad_popularity_is_a_one_line_usage_error(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    pg = Path(sys.executable).parent / "pickgraph"
    for bad in ("zipf:0", "zipf:x", "pareto", "lognormal:2"):
        r = subprocess.run([str(pg), "generate", str(tmp_path / "out"), "--popularity", bad], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.splitlines()[-1] == (f"Error: Invalid value for '--popularity': popularity is 'lognormal' or "
                                             f"'zipf:S' with an exponent S above 0, not '{bad}'")
    assert not (tmp_path / "out").exists()
    with pytest.raises(GeneratorError):
        generate(40, 16, popularity="zipf:-1")
