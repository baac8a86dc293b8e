"""One accumulator of page facts: the in-memory and the streaming build fold pages by the same rules."""

from graph.kg.facts import Accumulator, page_facts
from graph.kg.graph import build_graph
from graph.read import parse_text
from graph.read.records import ReadReport
from graph.read.render import render_comparison, render_topic_page


def _pages():
    texts = {
        "a.txt": render_comparison("Redis", "Memcached", "Redis", descriptions={"Redis": "Fast keys."},
                                   related={"Redis": ["caching"], "Memcached": ["caching"]}),
        "b.txt": render_comparison("Redis", "Memcached", "Memcached", descriptions={"Redis": "Keys in memory."}),
        "c.txt": render_comparison("Redis", "Valkey", "Valkey", related={"Valkey": ["caching", "redis"]}),
        "d.txt": render_topic_page("Redis", "A data store.", kind="tool", alternatives=["Valkey"]),
        "e.txt": render_topic_page("Redis", "A key-value server.", kind="database"),
    }
    return [parse_text(t, n) for n, t in texts.items()]


def _fold(pages, per_document, chunks=1):
    parts = []
    for i in range(chunks):
        acc = Accumulator(per_document=per_document)
        for p in pages[i::chunks]:
            acc.add(p, page_facts(p, lambda n: n.lower()))
        parts.append(acc)
    whole = Accumulator(per_document=per_document)
    for acc in reversed(parts):  # any order
        whole.merge(acc)
    return whole


def test_both_kinds_and_any_chunking_agree():
    pages = _pages()
    G = build_graph(ReadReport(pages=pages))
    expected = {"documents": 5, "comparison_pages": 3, "topic_pages": 2, "duplicates": 0, "rejected": 0,
                "topics": 4, "comparisons": 3, "related_edges": 4, "alternative_edges": 1, "contested_pairs": 1}
    assert G.graph["summary"] == G.graph["summary"] == expected
    for per_document in (True, False):
        for chunks in (1, 2, 3):
            acc = _fold(pages, per_document, chunks)
            assert acc.summary() == expected
            # the topic page of greatest sha256 defines the topic, in every fold
            assert acc.topic("redis") == (G.nodes["redis"]["definition"], G.nodes["redis"]["kind"])
            assert acc.links[("related-to", "redis", "caching")] == 1
            assert acc.mentions["redis"] == ({p.sha256 for p in pages} if per_document else 5)
    stream = _fold(pages, False, 2)
    # the streaming build keeps each topic's first description: the graph's first one
    assert stream.descriptions["redis"] == G.nodes["redis"]["descriptions"][0]
    assert sorted(stream.nodes) == sorted(G.nodes)
