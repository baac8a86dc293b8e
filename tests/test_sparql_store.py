"""The SPARQL store of a build: made once from its Turtle export, opened read-only, never from a stale file.

Real builds, real processes, real Oxigraph stores on disk; the read-only folder is a
real read-only tmpfs mount.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, render_comparison
from graph.build.record import BUILD_RECORD, cache_path, query_inputs
from graph.build.load import load_graph
from graph.sparql import run as sparql
from graph.sparql.store import COMPLETE, EXPORT, Export, ExportUnusable, load_store, recorded_export, store_name, \
    topic_slug, write_trig_of_export
from graph.errors import UnknownTopic

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from graph.cli import main; main()", *args],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, cwd=ROOT)


def build_out(pages: Path, out: Path) -> Path:
    r = cli("--out", str(out), "build", "-q", str(pages))
    assert r.returncode == 0, r.stderr
    return out


def stores(out: Path) -> list[Path]:
    return sorted(p for p in (out / ".cache").glob("graph-*-store-*") if p.is_dir())


def no_graph(*_a):
    raise AssertionError("the graph was loaded")


@pytest.fixture
def tiny_out(tiny_corpus, tmp_path) -> Path:
    return build_out(tiny_corpus, tmp_path / "out")


def quads(store) -> set[str]:
    import pyoxigraph as ox

    return set(ox.serialize(store, format=ox.RdfFormat.N_QUADS).decode().splitlines())


# ------------------------------------------------------- same contents --

def test_the_store_made_from_the_export_holds_the_quads_of_the_graph(tmp_path):
    out = build_out(DATA, tmp_path / "out")
    from_export = load_store(no_graph, out=out, inputs=query_inputs(out))  # the graph is not loaded
    G = load_graph([str(DATA)], out)
    from_graph = load_store(G)
    assert quads(from_export) == quads(from_graph)
    assert len(from_export) == len(from_graph) > 5000
    # each page's statements are in its own named graph, as the docs promise (GRAPH ?doc { … })
    per_doc = sparql.select(from_export, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?d a pg:Document } }")
    assert per_doc == [{"n": len(G.graph["documents"])}]


def test_bundled_queries_answer_the_same_without_the_graph(tiny_corpus, tiny_out):
    G = load_graph([str(tiny_corpus)], tiny_out)
    for path in (tiny_out / ".cache").glob("graph-*"):  # no cache: any attempt to load the graph rebuilds it
        path.unlink()
    binds = {"win-loss": "topic=Beta", "topic-comparisons": "topic=pi", "also-compare": "topic=ALPHA",
             "pick-evidence": "winner=Alpha"}
    for name, spec in binds.items():
        r = cli("--out", str(tiny_out), "sparql", f"@{name}", "-t", spec, "-f", "csv")
        assert r.returncode == 0 and r.stderr == "", r.stderr
        var, topic = spec.split("=")
        want = sparql.execute(sparql.load_store(G), sparql.read_query(f"@{name}"),
                              {var: sparql.topic_term(G, topic)}, fmt="csv").body.decode()
        assert r.stdout == want.replace("\r\n", "\n"), name  # a text pipe reads CSV line ends as \n
    assert not list((tiny_out / ".cache").glob("graph-*.pickle"))  # answered without rebuilding the graph
    r = cli("--out", str(tiny_out), "sparql", "@win-loss", "-t", "topic=Beta", "-f", "csv")
    assert r.stdout.splitlines()[1] == "https://w3id.org/pickgraph/topic/beta,beta,Beta,1,1,0"


# ----------------------------------------------------------- made once --

def test_the_store_is_made_once_and_opened_read_only_by_two_processes_at_once(tiny_out):
    first = cli("--out", str(tiny_out), "sparql", "@win-loss", "-f", "csv")
    assert first.returncode == 0, first.stderr
    [made] = stores(tiny_out)
    stamp = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in (made, made / COMPLETE, made / "db")]
    assert (made / COMPLETE).read_text() == json.loads((tiny_out / BUILD_RECORD).read_text())["inputs_digest"]
    cmd = [sys.executable, "-c", "from graph.cli import main; main()", "--out", str(tiny_out), "sparql",
           "@win-loss", "-f", "csv"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert results == [(first.stdout, "", 0)] * 2
    assert stores(tiny_out) == [made]
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in (made, made / COMPLETE, made / "db")] == stamp
    assert not list(made.glob("*.trig"))  # the TriG it was loaded from is gone


def test_a_new_build_gets_a_new_store_and_the_old_one_goes(tiny_corpus, tiny_out):
    assert cli("--out", str(tiny_out), "sparql", "@win-loss").returncode == 0
    [old] = stores(tiny_out)
    (tiny_corpus / "ez.txt").write_text(render_comparison("Epsilon", "Zeta", "Zeta"), encoding="utf-8")
    build_out(tiny_corpus, tiny_out)
    r = cli("--out", str(tiny_out), "sparql", "@win-loss", "-t", "topic=zeta", "-f", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "https://w3id.org/pickgraph/topic/zeta,zeta,Zeta,1,0,0"
    [new] = stores(tiny_out)
    assert new != old and not old.exists()


# ------------------------------------------------ stale or edited export --

def test_an_edited_export_never_feeds_the_store(tiny_out):
    ttl = tiny_out / EXPORT
    text = ttl.read_bytes()
    assert text.count(b'"Gamma"@en') == 1
    ttl.write_bytes(text.replace(b'"Gamma"@en', b'"Gamme"@en'))  # same size, other bytes
    r = cli("--out", str(tiny_out), "sparql", "SELECT ?n WHERE { ?t skos:notation 'gamma' ; skos:prefLabel ?n }",
            "-f", "csv")
    assert r.returncode == 0 and r.stdout.splitlines() == ["n", "Gamma"], r.stdout
    assert "pickgraph.ttl is not the file its build wrote (edited since: its sha256 differs); making the SPARQL " \
           "store from the build cache instead" in r.stderr
    # the store made instead is the build's and stays in use; the file is not read again
    [made] = stores(tiny_out)
    ttl.write_bytes(text[:-10])
    again = cli("--out", str(tiny_out), "sparql", "@win-loss", "-t", "topic=gamma", "-f", "csv")
    assert again.returncode == 0 and again.stderr == "" and stores(tiny_out) == [made]


def test_a_cut_export_is_refused_by_its_size(tiny_out):
    digest = json.loads((tiny_out / BUILD_RECORD).read_text())["inputs_digest"]
    export = recorded_export(tiny_out, digest)
    assert export is not None and export.path == tiny_out / EXPORT
    with open(export.path, "ab") as fh:
        fh.write(b"topic:x a pg:Topic .\n")
    with pytest.raises(ExportUnusable, match="its size changed"), open(os.devnull, "wb") as sink:
        write_trig_of_export(export, sparql.DEFAULT_BASE, sink)
    with pytest.raises(ExportUnusable, match="another base IRI"), open(os.devnull, "wb") as sink:
        write_trig_of_export(export._replace(bytes=export.path.stat().st_size), "https://example.org/kg/", sink)
    assert recorded_export(tiny_out, "0" * 64) is None  # another build's digest: not this export


def test_pages_changed_after_the_build_are_answered_from_the_pages(tiny_corpus, tiny_out):
    (tiny_corpus / "ab.txt").write_text(render_comparison("Alpha", "Beta", "Beta"), encoding="utf-8")
    r = cli("--out", str(tiny_out), "sparql", "@win-loss", "-t", "topic=alpha", "-f", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == \
        "https://w3id.org/pickgraph/topic/alpha,alpha,Alpha,0,1,0", r.stdout


def test_another_base_iri_is_made_from_the_graph(tiny_out):
    r = cli("--out", str(tiny_out), "sparql", "@win-loss", "-t", "topic=beta", "-f", "csv",
            "--base-iri", "https://example.org/kg/")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "https://example.org/kg/topic/beta,beta,Beta,1,1,0"
    assert "another base IRI" in r.stderr


def test_an_export_of_a_layout_it_does_not_know_is_refused(tmp_path):
    base = sparql.DEFAULT_BASE
    from graph.rdf.turtle import prefixes

    path = tmp_path / "x.ttl"
    path.write_bytes(prefixes(base).encode() + b"\ntopic:a a pg:Topic .\n\ndocument:zz a pg:Document .\n")
    data = path.read_bytes()
    import hashlib

    export = Export(path, len(data), hashlib.sha256(data).hexdigest())
    with pytest.raises(ExportUnusable, match="layout"), open(os.devnull, "wb") as sink:
        write_trig_of_export(export, base, sink)


# ------------------------------------------------------------- folders --

def test_a_read_only_out_folder_still_answers(tiny_corpus, tmp_path, tmpfs):
    out = tmpfs("16m") / "out"
    build_out(tiny_corpus, out)
    subprocess.run(["mount", "-o", "remount,ro", str(out.parent)], check=True)
    r = cli("--out", str(out), "sparql", "@win-loss", "-t", "topic=Beta", "-f", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "https://w3id.org/pickgraph/topic/beta,beta,Beta,1,1,0"
    assert not stores(out)


def test_a_full_out_folder_still_answers_and_keeps_no_half_store(tiny_corpus, tmpfs):
    out = tmpfs("16m") / "out"
    build_out(tiny_corpus, out)
    with open(out.parent / "filler", "wb") as fh:  # leave about 16 KB: too little for the store's files
        try:
            fh.write(b"\0" * (os.statvfs(out).f_bavail * os.statvfs(out).f_frsize - 16_384))
        except OSError:
            pass
    r = cli("--out", str(out), "sparql", "@win-loss", "-t", "topic=Beta", "-f", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "https://w3id.org/pickgraph/topic/beta,beta,Beta,1,1,0"
    assert [p.name for p in (out / ".cache").iterdir() if "-store-" in p.name] == []


def test_serve_uses_the_store_sparql_made(tiny_corpus, tiny_out):
    from graph.serve.state import store_path

    assert cli("--out", str(tiny_out), "sparql", "@win-loss").returncode == 0
    [made] = stores(tiny_out)
    G = load_graph([str(tiny_corpus)], tiny_out)
    assert store_path(G, cache_path(tiny_out, [str(tiny_corpus)]), sparql.DEFAULT_BASE, tiny_out) == str(made / "db")
    assert made.name == store_name(cache_path(tiny_out, [str(tiny_corpus)]).stem, G.graph["fingerprint"],
                                   sparql.DEFAULT_BASE)


# -------------------------------------------------------------- topics --

@pytest.mark.parametrize("spelling", ["PostgreSQL", "postgresql", "POSTGRE-SQL", "kafka", "Apache Kafka", "k8s",
                                      "Online Analytical Processing", "apachekafka"])
def test_a_topic_is_found_in_the_store_as_in_the_graph(data_graph, spelling):
    from graph.kg.graph import find_topic

    assert topic_slug(sparql.load_store(data_graph), spelling) == find_topic(data_graph, spelling)


@pytest.mark.parametrize("spelling", ["postgres", "postgrz", "Kafak"])
def test_an_unknown_topic_gets_the_closest_matches(data_graph, spelling):
    from graph.kg.graph import find_topic

    with pytest.raises(UnknownTopic) as in_graph:
        find_topic(data_graph, spelling)
    with pytest.raises(UnknownTopic) as in_store:
        topic_slug(sparql.load_store(data_graph), spelling)
    # both weigh the alias file's names: "kafka" ranks Apache Kafka first
    assert str(in_store.value) == str(in_graph.value) and in_graph.value.suggestions
    if spelling == "Kafak":
        assert in_graph.value.suggestions == ["Apache Kafka", "Flask"]


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_the_export_is_cut_into_blocks_the_same_whatever_the_reads(tiny_corpus, tiny_out, chunk, monkeypatch):
    import io

    import pyoxigraph as ox

    from graph.sparql import store as rdf_store

    digest = json.loads((tiny_out / BUILD_RECORD).read_text())["inputs_digest"]
    monkeypatch.setattr(rdf_store, "_CHUNK", chunk)  # boundaries fall inside reads of this size
    buf = io.BytesIO()
    write_trig_of_export(recorded_export(tiny_out, digest), sparql.DEFAULT_BASE, buf)
    made = ox.Store()
    made.bulk_load(buf.getvalue(), format=ox.RdfFormat.TRIG)
    assert quads(made) == quads(sparql.load_store(load_graph([str(tiny_corpus)], tiny_out)))
