"""The query index (graph/build/queryindex.py): query commands answer from it as from the whole graph,
and none of them unpickles the whole graph."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT, render_comparison, write_corpus
from graph.build.pipeline import build, save_cache
from graph.build.record import cache_path
from graph.build.load import load_graph, open_query_view
from graph.build.queryindex import index_paths
from graph.query.compare import compare
from graph.query.explain import why
from graph.query.models import Models
from graph.query.suggest import suggest_answer
from graph.query.topics import list_topics, topic_info
from graph.read.render import render_topic_page


def hand_made() -> dict[str, str]:
    """Aliases, a topic page (aliases, related tools, alternatives), a contested pair, a related topic
    shared by a pair, a chain, two slugs that differ only by a hyphen, a component apart."""
    pages = {
        "aliases.toml": '[aliases]\n"PostgreSQL" = ["Postgres", "PG"]\n',
        "pg.txt": render_topic_page("PostgreSQL", "A relational database.", aliases=["psql"],
                                    related_tools=["SQLite"], alternatives=["MySQL"]),
        "a.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL", related={"PostgreSQL": ["SQL", "Storage"],
                                                                                 "MySQL": ["SQL"]},
                                   pros={"PostgreSQL": ["Rich types and extensions that cover most needs"]},
                                   cons={"MySQL": ["Fewer index kinds than the others offer"]}),
        "b.txt": render_comparison("Postgres", "MySQL", "MySQL"),  # contested with a.txt, through an alias
        "c.txt": render_comparison("MySQL", "SQLite", "MySQL", related={"SQLite": ["SQL"]}),
        "d.txt": render_comparison("SQLite", "DuckDB", "DuckDB"),
        "e.txt": render_comparison("DuckDB", "Duck-DB Lite", "DuckDB"),
        "f.txt": render_comparison("Redis", "Memcached", "Redis", related={"Redis": ["Storage"]}),
        "g.txt": render_comparison("Kafka", "Pulsar", "Kafka"),  # a component of its own
    }
    return pages


def answers_alike(G, view, pairs) -> list[str]:
    """Every query answer on the view's graph that differs from the whole graph's (as ``what a b``)."""
    m = Models(G)
    fit, ix = m.fit, m.index
    wrong = []
    if view.topic_rows() != list_topics(G):
        wrong.append("topics")
    for n in sorted(G.nodes):
        H = view.graph_for([n])
        if topic_info(H, n) != topic_info(G, n):
            wrong.append(f"show {n}")
        if suggest_answer(H, [n], 5, None, index=ix) != suggest_answer(G, [n], 5, None, index=ix):
            wrong.append(f"suggest {n}")
    for a, b in pairs:
        H = view.graph_for([a, b])
        for f in (compare, why):
            if f(H, a, b, fit=fit) != f(G, a, b, fit=fit):
                wrong.append(f"{f.__name__} {a} {b}")
        if suggest_answer(H, [a, b], 5, None, index=ix) != suggest_answer(G, [a, b], 5, None, index=ix):
            wrong.append(f"suggest {a} {b}")
    return wrong


def built(folder: Path, out: Path):
    G, _ = build([folder])
    assert save_cache(G, out, [folder]) is not None
    return G


def test_the_index_answers_as_the_whole_graph_on_a_hand_made_corpus(tmp_path):
    folder = write_corpus(tmp_path / "pages", hand_made())
    G = built(folder, tmp_path / "out")
    assert {"postgresql", "duckdb", "duck-db-lite", "sql"} <= set(G.nodes)
    nodes = sorted(G.nodes)
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    view = open_query_view(tmp_path / "out", [folder])
    assert view is not None and answers_alike(G, view, pairs) == []
    # a fresh view per pair too: a graph made for one pair alone (not grown by earlier queries)
    fit = Models(G).fit  # the fit of the whole graph, as the build saves it (never one of a part)
    for a, b in pairs:
        H = open_query_view(tmp_path / "out", [folder]).graph_for([a, b])
        assert why(H, a, b, fit=fit) == why(G, a, b, fit=fit), (a, b)
    # names, slugs and aliases are read as find_topic reads them
    H = open_query_view(tmp_path / "out", [folder]).graph_for(["PG", "psql", "DuckDB"])
    assert topic_info(H, "PG") == topic_info(G, "postgresql")


def test_the_index_answers_as_the_whole_graph_on_data(tmp_path):
    G = built(DATA, tmp_path / "out")
    view = open_query_view(tmp_path / "out", [DATA])
    rng = random.Random(0)
    nodes = sorted(G.nodes)
    pairs = [tuple(rng.sample(nodes, 2)) for _ in range(150)]
    pairs += sorted({(u, v) for u, v, d in G.edges(data=True) if d["kind"] == "versus" and u != v})[:150]
    assert len(nodes) > 200 and answers_alike(G, view, pairs) == []


def test_an_edited_page_is_never_answered_from_a_stale_index(tmp_path):
    folder = write_corpus(tmp_path / "pages", {"a.txt": render_comparison("Go", "Rust", "Go")})
    out = tmp_path / "out"
    built(folder, out)
    assert open_query_view(out, [folder]) is not None
    (folder / "a.txt").write_text(render_comparison("Go", "Rust", "Rust"))
    assert open_query_view(out, [folder]) is None  # load_graph rebuilds, and writes a fresh index
    load_graph([folder], out)
    view = open_query_view(out, [folder])
    assert view is not None and topic_info(view.graph_for(["Go"]), "go")["losses"] == 1


# ------------------------------------------------------- the real CLI, a whole process each --

#: a sitecustomize that reports each opening of a file named on PICKGRAPH_WATCH (the audit event "open"
#: is raised by open(), os.open() and io.open() alike), one line each on fd 2
AUDIT = """
import os, sys
_watch = os.environ.get("PICKGRAPH_WATCH")
if _watch:
    def _hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)) \\
                and os.path.basename(os.fsdecode(args[0])) == _watch:
            os.write(2, b"WATCHED OPEN\\n")
    sys.addaudithook(_hook)
"""

QUERIES = [["show", "PG"], ["compare", "PostgreSQL", "MySQL"], ["compare", "Redis", "SQLite"],
           ["why", "MySQL", "PostgreSQL"], ["why", "PostgreSQL", "SQLite"], ["suggest", "MySQL"],
           ["suggest", "PostgreSQL", "MySQL"], ["topics"], ["topics", "--prefix", "my", "--limit", "2"]]


def cli(tmp: Path, *args: str, watch: str | None = None) -> subprocess.CompletedProcess:
    site = tmp / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(AUDIT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
           "PICKGRAPH_CACHE_KEY": str(tmp / "key" / "cache-key")}
    env.pop("PICKGRAPH_WATCH", None)
    if watch:
        env["PICKGRAPH_WATCH"] = watch
    return subprocess.run([sys.executable, "-c", "from graph.cli import main; main()", *args], capture_output=True, text=True, env=env,
                          cwd=tmp, timeout=300)


@pytest.fixture
def cli_build(tmp_path):
    folder = write_corpus(tmp_path / "pages", hand_made())
    out = tmp_path / "out"
    r = cli(tmp_path, "--out", str(out), "--quiet", "build", str(folder))
    assert r.returncode == 0, r.stderr
    return tmp_path, folder, out, cache_path(out, [str(folder)])


def test_no_query_command_unpickles_the_whole_graph(cli_build):
    tmp, folder, out, cache = cli_build
    assert cache.is_file() and index_paths(cache)[0].is_file()
    fresh = {}
    for args in QUERIES:
        r = cli(tmp, "--out", str(out), *args, "--json", watch=cache.name)
        assert r.returncode == 0, r.stderr
        assert "WATCHED OPEN" not in r.stderr, f"{' '.join(args)} opened the graph cache"
        fresh[tuple(args)] = json.loads(r.stdout)
    # the same answers as from the whole graph (the index removed: the graph cache answers, and puts it back)
    for args in QUERIES:
        for part in index_paths(cache):
            part.unlink(missing_ok=True)
        r = cli(tmp, "--out", str(out), *args, "--json", watch=cache.name)
        assert r.returncode == 0 and "WATCHED OPEN" in r.stderr, r.stderr
        assert json.loads(r.stdout) == fresh[tuple(args)], args
        assert index_paths(cache)[0].is_file()
    r = cli(tmp, "--out", str(out), "show", "MySQL", watch=cache.name)
    assert r.returncode == 0 and "WATCHED OPEN" not in r.stderr and r.stdout.startswith("MySQL  (mysql)")


def test_a_damaged_index_is_one_line_and_put_back(cli_build):
    tmp, folder, out, cache = cli_build
    head, data = index_paths(cache)
    data.write_bytes(data.read_bytes().replace(b'"mysql"', b'"MYSQL"'))  # same size, digests fail
    r = cli(tmp, "--out", str(out), "show", "MySQL", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["slug"] == "mysql", r.stderr
    assert r.stderr == f"the build cache is damaged (its query index {data} is corrupt); rebuilding it\n"
    r = cli(tmp, "--out", str(out), "show", "MySQL", "--json", watch=cache.name)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_an_unknown_topic_reads_as_before(cli_build):
    tmp, folder, out, cache = cli_build
    r = cli(tmp, "--out", str(out), "show", "Postgre", watch=cache.name)
    assert r.returncode == 1
    assert r.stderr == ("Error: unknown topic 'Postgre'; did you mean: PostgreSQL? "
                        "List topics with 'pickgraph topics'.\n")


# ------------------------------------------------------- the quick freshness check --

def settled(folder: Path) -> None:
    """Wait out the racy window of the files just written (a stamp is only taken of settled inputs)."""
    import time

    from graph.build.freshness import RACY_NS_COARSE

    time.sleep(RACY_NS_COARSE / 1e9 + 0.1)


def test_the_quick_check_proves_the_fingerprint_or_declines(tmp_path, monkeypatch):
    from graph.build import freshness
    from graph.build.freshness import fingerprint, inputs_stamp, quick_fingerprint

    folder = write_corpus(tmp_path / "pages", {"a.txt": render_comparison("Go", "Rust", "Go")})
    write_corpus(folder / "sub", {"b.txt": render_comparison("Go", "Zig", "Zig")})
    (folder / "sub" / "deeper").mkdir()
    settled(folder)
    stamp = inputs_stamp([folder])
    assert stamp is not None and [f[0] for f in stamp["folders"]] == [str(folder / p) for p in ("", "sub", "sub/deeper")]
    assert quick_fingerprint(stamp, [folder]) == fingerprint([folder]) == inputs_digest(stamp)
    assert quick_fingerprint(stamp, [folder], max_bytes=10) == fingerprint([folder], max_bytes=10)
    monkeypatch.setattr(freshness, "STAT_ALONE", 1)  # the pages looked at by several threads, as in a big corpus
    assert quick_fingerprint(stamp, [folder]) == fingerprint([folder])
    aliases = tmp_path / "aliases.toml"  # the alias file is looked at now
    aliases.write_text('[aliases]\n"Go" = ["Golang"]\n')
    assert quick_fingerprint(stamp, [folder], aliases) == fingerprint([folder], aliases) != fingerprint([folder])
    # each change: the quick check declines (the walk then sees the change)
    page = folder / "sub" / "b.txt"
    st = page.stat()
    page.write_text(page.read_text().replace("Zig", "Zag"))  # same size, mtime put back: ctime shows it
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_size == st.st_size and quick_fingerprint(stamp, [folder]) is None
    assert fingerprint([folder]) != inputs_digest(stamp)
    settled(folder)
    stamp = inputs_stamp([folder])
    (folder / "sub" / "deeper" / "c.txt").write_text(render_comparison("Go", "C", "C"))  # in an empty folder
    assert quick_fingerprint(stamp, [folder]) is None
    settled(folder)
    stamp = inputs_stamp([folder])
    (folder / "sub" / "deeper" / "c.txt").unlink()
    assert quick_fingerprint(stamp, [folder]) is None
    assert quick_fingerprint(stamp, [tmp_path]) is None  # other inputs
    (folder / "new.txt").write_text("x")
    assert inputs_stamp([folder]) is None  # racy: a page changed this very moment is checked by a walk


def inputs_digest(stamp) -> str:
    from graph.build.pipeline import DEFAULT_MAX_BYTES
    from graph.build.freshness import _digest_head

    h = _digest_head(DEFAULT_MAX_BYTES)
    h.update(stamp["pages"])
    return h.hexdigest()
