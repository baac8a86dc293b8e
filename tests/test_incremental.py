"""A build after edits re-reads only the changed pages, and writes what a full build of the same pages writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.read.render import render_comparison, render_topic_page

EXPORTS = ("pickgraph.ttl", "pickgraph.graphml", "pickgraph.html", "pickgraph-ontology.ttl")


def _build(out: Path, pages: Path, *extra: str) -> dict:
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(pages), "--json", *extra])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def _same(result: dict) -> dict:
    """What two builds of the same pages must agree on (not the time taken, nor where they wrote)."""
    return {k: v for k, v in result.items() if k not in ("seconds", "written", "pages_reused")}


def _pages() -> dict[str, str]:
    return {
        "redis-vs-memcached.txt": render_comparison("Redis", "Memcached", "Redis",
                                                    related={"Redis": ["caching"], "Memcached": ["caching"]}),
        "postgresql-vs-mysql.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL",
                                                     descriptions={"PostgreSQL": "A strong SQL engine."},
                                                     related={"PostgreSQL": ["sql"], "MySQL": ["sql"]}),
        "mysql-vs-sqlite.txt": render_comparison("MySQL", "SQLite", "SQLite", compact=True),
        "django-vs-flask.txt": render_comparison("Django", "Flask", "Django",
                                                 related={"Django": ["python"], "Flask": ["python"]}),
        "redis.txt": render_topic_page("Redis", "An in-memory data store.", aliases=["redis-server"], kind="tool",
                                       alternatives=["Memcached"]),
        "copy-of-redis-vs-memcached.txt": render_comparison("Redis", "Memcached", "Redis",
                                                            related={"Redis": ["caching"], "Memcached": ["caching"]}),
        "broken.txt": "This is not a comparison page at all.\n",
    }


def _edit(folder: Path) -> None:
    """Additions, edits (one that restores size and mtime), a removal, a new duplicate, a new rejection."""
    (folder / "fastapi-vs-flask.txt").write_text(render_comparison("FastAPI", "Flask", "FastAPI"), encoding="utf-8")
    (folder / "mysql-vs-sqlite.txt").write_text(render_comparison("MySQL", "SQLite", "MySQL", compact=True),
                                                encoding="utf-8")
    p = folder / "postgresql-vs-mysql.txt"
    st = p.stat()
    text = p.read_text(encoding="utf-8")
    assert "A strong SQL engine." in text
    p.write_text(text.replace("A strong SQL engine.", "A sturdy SQL engine."), encoding="utf-8")
    assert p.stat().st_size == st.st_size
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: only ctime shows the edit
    (folder / "django-vs-flask.txt").unlink()
    (folder / "again-postgresql-vs-mysql.txt").write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "half.txt").write_text("Half a page vs\n", encoding="utf-8")
    (folder / "broken.txt").write_text(render_comparison("Go", "Rust", "Rust"), encoding="utf-8")  # fixed


@pytest.fixture
def pages(tmp_path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, text in _pages().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_build_after_edits_writes_what_a_full_build_writes(tmp_path, pages):
    inc, cold = tmp_path / "inc", tmp_path / "cold"
    first = _build(inc, pages)
    assert first["pages_reused"] == 0 and first["summary"]["documents"] == 5
    assert [d["path"] for d in first["duplicates"]] == [str(pages / "redis-vs-memcached.txt")]

    _edit(pages)
    again = _build(inc, pages)
    full = _build(cold, pages, "--full")
    # unchanged and read before: redis-vs-memcached, redis (copy-of-… is read again: it is a duplicate)
    assert again["pages_reused"] == 2 and full["pages_reused"] == 0
    assert _same(again) == _same(full)
    assert again["summary"]["documents"] == 6 and len(again["duplicates"]) == 2 and len(again["rejections"]) == 1
    for name in EXPORTS:
        assert (inc / name).read_bytes() == (cold / name).read_bytes(), name

    assert "sturdy" in (inc / "pickgraph.ttl").read_text(encoding="utf-8")
    # and a query answers the same from either
    shows = [CliRunner().invoke(main, ["--out", str(o), "show", "MySQL", "--json"]) for o in (inc, cold)]
    assert shows[0].exit_code == 0 and shows[0].stdout == shows[1].stdout


def test_nothing_changed_reads_nothing_and_a_damaged_table_reads_everything(tmp_path, pages):
    out = tmp_path / "out"
    first = _build(out, pages)
    before = {n: (out / n).read_bytes() for n in EXPORTS}
    second = _build(out, pages)
    assert second["pages_reused"] == 5  # every accepted page but the duplicate's second copy
    assert {n: (out / n).read_bytes() for n in EXPORTS} == before and _same(second) == _same(first)
    table = next((out / ".cache").glob("*.files"))
    table.write_bytes(table.read_bytes()[:40])  # cut short
    third = _build(out, pages)
    assert third["pages_reused"] == 0 and _same(third) == _same(first)
    assert {n: (out / n).read_bytes() for n in EXPORTS} == before


def test_a_renamed_page_is_read_under_its_new_name(tmp_path, pages):
    out = tmp_path / "out"
    _build(out, pages)
    (pages / "django-vs-flask.txt").rename(pages / "flask-and-django.txt")
    again = _build(out, pages)
    assert again["pages_reused"] == 4
    r = CliRunner().invoke(main, ["--out", str(out), "compare", "Django", "Flask", "--json"])
    assert [d["source"] for d in json.loads(r.stdout)["documents"]] == [str(pages / "flask-and-django.txt")]


def test_a_query_after_an_edit_reads_only_the_changed_page(tmp_path, pages, monkeypatch):
    from graph.read import parse

    out = tmp_path / "out"
    _build(out, pages)
    (pages / "django-vs-flask.txt").write_text(render_comparison("Django", "Flask", "Flask"), encoding="utf-8")
    read = []
    real = parse.read_file
    monkeypatch.setattr(parse, "read_file", lambda path, *a, **k: read.append(os.path.basename(path)) or real(path, *a, **k))
    r = CliRunner().invoke(main, ["--out", str(out), "compare", "Django", "Flask", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["picks"] == {"django": 0, "flask": 1}
    # the duplicate's second copy and the rejected page are read again too: only pages are kept
    assert sorted(read) == ["broken.txt", "django-vs-flask.txt", "redis-vs-memcached.txt"]


# ------------------------------------------------------------- the accumulator takes a page out again --

def _parsed(name: str, text: str):
    from graph.read import parse_text

    return parse_text(text, name)


def _fold(pages, remove=()):
    """An accumulator of ``pages`` (added in sha256 order, as a build adds them), then ``remove`` taken out."""
    from graph.kg.facts import Accumulator, page_facts

    acc = Accumulator(removable=True)
    for p in sorted(pages, key=lambda p: p.sha256):
        acc.add(p, page_facts(p, str.lower))
    for p in remove:
        acc.remove(p, page_facts(p, str.lower))
    return acc


def test_the_accumulator_removes_a_page_as_if_it_had_never_been_added():
    from graph.kg.graph import graph_of
    from graph.read.records import ReadReport
    from graph.resolve.names import Resolver

    won = _parsed("a.txt", render_comparison("Redis", "Memcached", "Redis", related={"Redis": ["caching"]}))
    lost = _parsed("b.txt", render_comparison("Memcached", "Redis", "Memcached", related={"Memcached": ["caching"]}))
    defs = [_parsed(f"redis-{i}.txt", render_topic_page("Redis", f"Definition {i}.", kind="tool",
                                                          alternatives=["Valkey"])) for i in (1, 2)]
    newest, older = sorted(defs, key=lambda p: p.sha256, reverse=True)  # the greatest sha256's definition wins
    every = [won, lost, *defs]

    acc = _fold(every)
    assert acc.summary()["contested_pairs"] == 1 and acc.topic("redis") == (newest.definition, "tool")
    assert acc.links[("related-to", "memcached", "caching")] == 1

    acc = _fold(every, remove=[lost, newest])
    assert acc.summary() == {"documents": 2, "comparison_pages": 1, "topic_pages": 1, "duplicates": 0,
                             "rejected": 0, "topics": 4, "comparisons": 1, "related_edges": 1,
                             "alternative_edges": 1, "contested_pairs": 0}
    assert acc.topic("redis") == (older.definition, "tool")
    assert dict(acc.links) == {("related-to", "redis", "caching"): 1, ("alternative-to", "redis", "valkey"): 1}
    assert acc.first_doc == {("related-to", "redis", "caching"): (won.sha256, "a.txt"),
                             ("alternative-to", "redis", "valkey"): (older.sha256, "redis-1.txt"
                                                                     if older is defs[0] else "redis-2.txt")}
    assert dict(acc.degree) == {"redis": 3, "memcached": 1, "caching": 1, "valkey": 1}
    assert {t: sorted(m) for t, m in acc.mentions.items()} == {
        "redis": sorted([won.sha256, older.sha256]), "memcached": [won.sha256]}
    assert sorted(acc.nodes) == ["caching", "memcached", "redis", "valkey"]

    # and what it makes is what a fold of the remaining pages alone makes, order and all
    fresh = _fold([won, older])
    assert acc.node_order() == fresh.node_order() and acc.edge_order() == fresh.edge_order()
    assert acc.summary() == fresh.summary() and acc.versus == fresh.versus

    def graph(a):
        ident = Resolver().resolve()
        return graph_of(a, ident, {}, ReadReport(pages=[won, older]))

    G, H = graph(acc), graph(fresh)
    assert list(G.nodes(data=True)) == list(H.nodes(data=True))
    assert list(G.edges(keys=True, data=True)) == list(H.edges(keys=True, data=True))


def test_removing_every_page_leaves_an_empty_accumulator_and_a_stranger_is_refused():
    from graph.kg.facts import Accumulator, page_facts

    one = _parsed("a.txt", render_comparison("Go", "Rust", "Rust", related={"Go": ["concurrency"]}))
    acc = _fold([one], remove=[one])
    assert acc.summary() == Accumulator().summary() and acc.nodes == {} and acc.edges == []
    assert dict(acc.met) == {} and dict(acc.link_docs) == {} and dict(acc.all_definitions) == {}
    assert dict(acc.links) == {} and dict(acc.degree) == {} and acc.first_doc == {} and acc.versus == []
    with pytest.raises(KeyError, match="a.txt: not a page of this accumulator"):
        acc.remove(one, page_facts(one, str.lower))
    with pytest.raises(ValueError, match="removable=True"):
        Accumulator().remove(one, page_facts(one, str.lower))
    with pytest.raises(ValueError, match="per_document=True"):
        Accumulator(per_document=False, removable=True)


# ------------------------------------------------------------------- kept document blocks --

def test_a_rebuild_spells_again_only_the_blocks_whose_names_now_resolve_otherwise(tmp_path, monkeypatch):
    """Turtle, TriG and GraphML reuse the last build's blocks, but not one whose names a new page re-resolves."""
    from graph.export import graphml
    from graph.rdf import turtle

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "postgres-vs-mysql.txt").write_text(render_comparison("Postgres", "MySQL", "Postgres"), encoding="utf-8")
    (pages / "redis-vs-memcached.txt").write_text(render_comparison("Redis", "Memcached", "Redis"), encoding="utf-8")
    (pages / "go-vs-rust.txt").write_text(render_comparison("Go", "Rust", "Rust"), encoding="utf-8")
    formats = ("-f", "turtle", "-f", "trig", "-f", "graphml")
    inc, cold = tmp_path / "inc", tmp_path / "cold"
    _build(inc, pages, *formats)

    spelt = []
    real = turtle.document_block
    monkeypatch.setattr(turtle, "document_block",
                        lambda page, *a, **k: spelt.append(os.path.basename(page.path)) or real(page, *a, **k))
    edges = []
    real_edge = graphml.edge
    monkeypatch.setattr(graphml, "edge", lambda u, v, *a: edges.append((u, v)) or real_edge(u, v, *a))
    # a topic page that makes "Postgres" an alias of PostgreSQL, and an edited page
    (pages / "postgresql.txt").write_text(render_topic_page("PostgreSQL", "A relational database.",
                                                            aliases=["Postgres"]), encoding="utf-8")
    (pages / "go-vs-rust.txt").write_text(render_comparison("Go", "Rust", "Go"), encoding="utf-8")
    again = _build(inc, pages, *formats)
    # per format: the new page, the edited one, and the page whose "Postgres" is now postgresql
    assert sorted(spelt) == sorted(["postgresql.txt", "go-vs-rust.txt", "postgres-vs-mysql.txt"] * 2)
    assert again["summary"]["topics"] == 6
    assert sorted(edges) == [("go", "rust"), ("postgresql", "mysql")]  # redis–memcached's element kept

    spelt.clear()
    edges.clear()
    full = _build(cold, pages, *formats, "--full")
    assert len(spelt) == 2 * 4 and len(edges) == 3 and _same(again) == _same(full)
    for name in ("pickgraph.ttl", "pickgraph.trig", "pickgraph.graphml"):
        assert (inc / name).read_bytes() == (cold / name).read_bytes(), name
    assert "topic:postgresql" in (inc / "pickgraph.ttl").read_text(encoding="utf-8")


def test_damaged_kept_blocks_are_said_and_spelt_again(tmp_path, pages):
    out, cold = tmp_path / "out", tmp_path / "cold"
    _build(out, pages)
    kept = next((out / ".cache").glob("*.turtle-blocks"))
    kept.write_bytes(kept.read_bytes()[:-10])  # cut short
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(pages), "--json"])
    assert r.exit_code == 1 and f"{kept} is cut short or corrupt" in r.stderr
    _build(cold, pages, "--full")
    assert (out / "pickgraph.ttl").read_bytes() == (cold / "pickgraph.ttl").read_bytes()
