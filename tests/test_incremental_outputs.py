"""A rebuild that follows a change writes every output a cold ``--full`` build of the same pages writes, byte for byte.

Each step changes the pages one way (an addition, an edit, a removal, a rename, a duplicate, a page that
fails to parse), rebuilds the same out folder with a real ``pickgraph`` process, builds the pages cold
into a fresh folder with ``--full``, and compares every file the two wrote. The cache files (``.cache/``)
are sealed with a fresh token each build, so they are compared by what a query answers from them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from graph.build.record import BUILD_RECORD
from graph.cli import main
from graph.read.render import render_comparison, render_topic_page
from test_incremental import _pages

PICKGRAPH = [sys.executable, "-c", "from graph.cli import main; main()"]


def _build(out: Path, pages: Path, *extra: str) -> dict:
    r = subprocess.run([*PICKGRAPH, "--out", str(out), "build", str(pages), "--json", *extra],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file of the out folder but the sealed cache, and the build record without the cache's entries."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and ".cache" not in p.relative_to(out).parts and p.name != BUILD_RECORD}
    record = json.loads((out / BUILD_RECORD).read_text(encoding="utf-8"))
    record["files"] = {k: v for k, v in record["files"].items() if not k.startswith(".cache/")}
    del record["given"]["cwd"]  # the same for both
    files[BUILD_RECORD] = json.dumps({k: v for k, v in record.items() if k != "given"}, sort_keys=True).encode()
    return files


def _same_as_cold(inc: Path, pages: Path, cold: Path) -> dict:
    """Rebuild ``inc``, build ``cold`` with ``--full``; assert every output is the same; the rebuild's result."""
    again = _build(inc, pages)
    full = _build(cold, pages, "--full")
    assert full["pages_reused"] == 0
    drop = ("seconds", "written", "pages_reused")
    assert {k: v for k, v in again.items() if k not in drop} == {k: v for k, v in full.items() if k not in drop}
    a, b = _outputs(inc), _outputs(cold)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], name
    return again


def _hand_made(folder: Path) -> None:
    """test_incremental's pages without its copy and its rejection: the steps below add those."""
    folder.mkdir()
    for name, text in _pages().items():
        if name not in ("copy-of-redis-vs-memcached.txt", "broken.txt"):
            (folder / name).write_text(text, encoding="utf-8")


def _steps(folder: Path) -> list[tuple[str, callable]]:
    """The changes, applied one after another, each followed by a rebuild."""
    def add():
        (folder / "fastapi-vs-flask.txt").write_text(render_comparison("FastAPI", "Flask", "FastAPI",
                                                                       related={"FastAPI": ["python"]}),
                                                     encoding="utf-8")

    def edit():  # another pick, and a new related topic: the graph changes where Louvain looks
        (folder / "mysql-vs-sqlite.txt").write_text(render_comparison("MySQL", "SQLite", "MySQL",
                                                                      related={"MySQL": ["sql"]}), encoding="utf-8")

    def remove():
        (folder / "django-vs-flask.txt").unlink()

    def rename():
        (folder / "redis-vs-memcached.txt").rename(folder / "memcached-and-redis.txt")

    def duplicate():  # two paths, the same content
        (folder / "again-postgresql-vs-mysql.txt").write_bytes((folder / "postgresql-vs-mysql.txt").read_bytes())

    def reject():  # a page that fails to parse, and one that used to parse and no longer does
        (folder / "half.txt").write_text("Half a page vs\n", encoding="utf-8")
        (folder / "redis.txt").write_text("Not a page at all.\n", encoding="utf-8")

    def mend():  # the rejected page parses again
        (folder / "redis.txt").write_text(render_topic_page("Redis", "An in-memory data store.", kind="tool"),
                                          encoding="utf-8")

    return [("add", add), ("edit", edit), ("remove", remove), ("rename", rename), ("duplicate", duplicate),
            ("reject", reject), ("mend", mend)]


def test_each_kind_of_change_rebuilds_to_the_bytes_of_a_cold_build(tmp_path):
    pages, inc = tmp_path / "pages", tmp_path / "inc"
    _hand_made(pages)
    first = _build(inc, pages)
    assert first["summary"]["documents"] == 5
    seen = {}
    for name, change in _steps(pages):
        change()
        again = _same_as_cold(inc, pages, tmp_path / f"cold-{name}")
        seen[name] = (again["summary"]["documents"], len(again["duplicates"]), len(again["rejections"]))
    assert seen == {"add": (6, 0, 0), "edit": (6, 0, 0), "remove": (5, 0, 0), "rename": (5, 0, 0),
                    "duplicate": (5, 1, 0), "reject": (4, 1, 2), "mend": (5, 1, 1)}


def test_a_generated_corpus_rebuilds_to_the_bytes_of_a_cold_build(tmp_path):
    from graph.evaluate.generate import generate, write

    pages, inc = tmp_path / "pages", tmp_path / "inc"
    write(generate(300, 60, seed=3), pages)
    files = sorted(p for p in pages.iterdir() if p.suffix == ".txt")
    first = _build(inc, pages)
    assert first["summary"]["documents"] == 300
    # one of each change at once: an edit, a removal, a rename, a duplicate, a rejection, an addition
    files[0].write_bytes(files[0].read_bytes() + b"\n")
    files[1].unlink()
    files[2].rename(pages / "renamed.txt")
    (pages / "copy.txt").write_bytes(files[3].read_bytes())
    files[4].write_text("Not a page.\n", encoding="utf-8")
    (pages / "new-vs-page.txt").write_text(render_comparison("Brand New", "Other New", "Brand New"), encoding="utf-8")
    again = _same_as_cold(inc, pages, tmp_path / "cold")
    assert again["summary"]["documents"] == 299 and len(again["rejections"]) == 1
    assert again["pages_reused"] == 296  # every page but the edited, removed, renamed and rejected ones


def test_a_rebuild_whose_graph_louvain_sees_is_unchanged_runs_no_louvain(tmp_path, monkeypatch):
    """Louvain's communities (GraphML, the overview, the page, the suggestion index), the force layouts, the
    Bradley–Terry strengths and the suggestion index are kept by what they are drawn from: an edit that changes
    no link and no pick takes them from the last build; one that does makes them again."""
    import networkx as nx

    from graph.export import html
    from graph.query import rank
    from graph.query.suggest import index

    pages, out = tmp_path / "pages", tmp_path / "out"
    _hand_made(pages)
    runs, layouts, fits, indexes = [], [], [], []
    real = nx.community.louvain_communities
    monkeypatch.setattr(nx.community, "louvain_communities", lambda *a, **k: runs.append(1) or real(*a, **k))
    real_spring = getattr(html, "_spring", None)
    monkeypatch.setattr(html, "_spring", lambda *a: layouts.append(1) or real_spring(*a), raising=False)
    real_fit = rank.strengths
    monkeypatch.setattr(rank, "strengths", lambda *a: fits.append(1) or real_fit(*a))
    real_index = index.Index.__init__
    monkeypatch.setattr(index.Index, "__init__", lambda self, G: indexes.append(1) or real_index(self, G))

    def build(*extra):
        runs.clear()
        layouts.clear()
        fits.clear()
        indexes.clear()
        r = CliRunner().invoke(main, ["--out", str(out), "build", str(pages), "--json", *extra])
        assert r.exit_code == 0, r.output
        return len(runs), len(layouts), len(fits), len(indexes)

    first = build()
    assert first[0] >= 3 and first[1] >= 1  # GraphML/overview, the page and the suggestion index each draw their own
    assert first[2:] == (1, 1)  # the page and the models ask for one index: made once in one process
    p = pages / "redis-vs-memcached.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a new page text, the same facts
    assert build() == (0, 0, 0, 0)
    (pages / "go-vs-rust.txt").write_text(render_comparison("Go", "Rust", "Rust"), encoding="utf-8")
    again = build()
    assert (again[0], again[2], again[3]) == (first[0], 1, 1)
    (pages / "go-vs-rust.txt").write_text(render_comparison("Go", "Rust", "Go"), encoding="utf-8")
    assert build() == (0, 0, 1, 0)  # another pick, the same links: only the fit runs again
    assert build("--full") == first  # --full takes nothing from the last build
    assert len(list((out / ".cache").glob("*.kept-*"))) == sum(first)


def _models(out: Path, pages: Path) -> tuple:
    """The fit's strengths and the suggestion index's communities a build saved beside its cache."""
    from graph.build.cachefile import read_sealed
    from graph.build.record import cache_path
    from graph.query.models import MODELS_MAGIC, models_path, part_path

    target = models_path(cache_path(out, [pages]))
    fit = read_sealed(part_path(target, "fit"), MODELS_MAGIC)[2]
    index = read_sealed(part_path(target, "index"), MODELS_MAGIC)[2]
    return fit.strength, fit.games, index.community


def test_kept_strengths_and_copied_records_answer_as_a_cold_build(tmp_path):
    """A rebuild that keeps the fit's strengths and copies the unchanged pages' stored records saves the models
    and the document store a cold build saves: the same strengths to the last bit, the same records."""
    from graph.build.pipeline import load_cache
    from graph.build.record import cache_path

    pages, inc = tmp_path / "pages", tmp_path / "inc"
    _hand_made(pages)
    _build(inc, pages)
    p = pages / "redis-vs-memcached.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = _same_as_cold(inc, pages, tmp_path / "cold")
    assert again["pages_reused"] == 4
    assert _models(inc, pages) == _models(tmp_path / "cold", pages)
    a, b = (load_cache(cache_path(out, [pages]), None) for out in (inc, tmp_path / "cold"))
    docs_a, docs_b = a.graph["documents"], b.graph["documents"]
    assert sorted(docs_a) == sorted(docs_b) and len(docs_a) == 5
    assert all(docs_a[sha] == docs_b[sha] for sha in docs_b)
