"""Slug rules and the identity of topics: what is merged, why, and what never is."""

from __future__ import annotations

import pytest

from graph.kg.identity_lint import identity_report
from graph.build.pipeline import build
from graph.read.render import render_comparison, render_topic_page
from graph.resolve.names import AliasFile, Resolver, looks_plural, slugify
from graph.errors import PickgraphError


@pytest.mark.parametrize("name,slug", [
    ("C++", "c-plus-plus"), ("C#", "c-sharp"), (".NET", "dot-net"), ("Node.js", "node-js"),
    ("Model Robustness", "model-robustness"), ("containerd", "containerd"), ("Containerd", "containerd"),
    ("Write-Back Caching", "write-back-caching"), ("Write Through  Caching", "write-through-caching"),
    ("OAuth 2.0", "oauth-2-0"), ("ASP.NET Core", "asp-net-core"), ("F#", "f-sharp"), ("  Go  ", "go"),
    ("Crème", "creme"), ("A/B Testing", "a-b-testing"),
])
def test_slug_rules(name, slug):
    assert slugify(name) == slug


def resolve(*names: str, slugs: tuple[str, ...] = (), alias_file: AliasFile | None = None):
    r = Resolver(alias_file)
    for n in names:
        r.add_name(n)
    for s in slugs:
        r.add_slug(s)
    return r.resolve()


@pytest.mark.parametrize("a,b", [("Redis", "Redi"), ("Kubernetes", "Kubernete"), ("Pandas", "Panda"),
                                 ("Analysis", "Analysi"), ("Express", "Expres"), ("Status", "Statu")])
def test_the_plural_rule_never_merges_words_that_only_end_in_s(a, b):
    ident = resolve(a, b)
    assert ident.canonical(a) != ident.canonical(b)
    assert ident.merges == []


@pytest.mark.parametrize("a,b,canon", [
    ("Canary Deployment", "Canary Deployments", "canary-deployment"),
    ("relational-database", "relational-databases", "relational-database"),
    ("Cache", "Caches", "cache"),
    ("Dependency", "Dependencies", "dependency"),
])
def test_the_plural_rule_merges_real_plurals(a, b, canon):
    ident = resolve(a, b)
    assert ident.canonical(a) == ident.canonical(b) == canon
    [m] = ident.merges
    assert m.rule == "plural" and m.into == canon


def test_case_and_hyphenation():
    ident = resolve("containerd", "Containerd", "Git Flow", "Gitflow")
    assert ident.canonical("Containerd") == "containerd"
    assert ident.names["containerd"] == "containerd"  # a tie: capitalising is what a re-casing does
    assert ident.canonical("git-flow") == ident.canonical("gitflow")
    assert {m.rule for m in ident.merges} == {"slug", "hyphenation"}


def test_labels_are_the_spelling_most_used_never_re_cased():
    ident = resolve("JUnit", "Junit", "JUnit", "Read-Through Caching", "Read Through Caching",
                    "containerd", "Containerd", "containerd")
    assert [ident.names[s] for s in ("junit", "read-through-caching", "containerd")] == [
        "JUnit", "Read-Through Caching", "containerd"]
    # ties, in either order of the pages
    for names in (("Junit", "JUnit", "Read Through Caching", "Read-Through Caching"),
                  ("JUnit", "Junit", "Read-Through Caching", "Read Through Caching")):
        ident = resolve(*names)
        assert (ident.names["junit"], ident.names["read-through-caching"]) == ("JUnit", "Read-Through Caching")


def test_a_merged_topic_is_labelled_by_its_most_used_spelling_whatever_the_slug():
    # the topic page makes "git-flow" the canonical slug; the comparison pages write "Gitflow" more often
    r = Resolver()
    r.add_topic_page("Git Flow", (), "git-flow.txt")
    for _ in range(2):
        r.add_name("Gitflow")
    ident = r.resolve()
    assert ident.canonical("gitflow") == "git-flow" and ident.names["git-flow"] == "Gitflow"


def test_alias_file_merges_and_keeps_apart(tmp_path):
    f = tmp_path / "aliases.toml"
    f.write_text('[aliases]\n"Apache Kafka" = ["kafka"]\n[keep_apart]\npairs = [["Canary Deployment", "canary-deployments"]]\n')
    ident = resolve("Apache Kafka", "Canary Deployment", "Canary Deployments", slugs=("kafka",),
                    alias_file=AliasFile.load(f))
    assert ident.canonical("kafka") == "apache-kafka"
    assert ident.canonical("Canary Deployments") == "canary-deployments"
    assert [k[:2] for k in ident.kept_apart] == [("canary-deployment", "canary-deployments")]


@pytest.mark.parametrize("text,message", [
    ("[aliases\n", "not valid TOML"),
    ('[aliases]\nx = "y"\n', "must map a canonical name to a list"),
    ('[keep_apart]\npairs = [["a"]]\n', "two-name lists"),
])
def test_bad_alias_files_are_clear_errors(tmp_path, text, message):
    f = tmp_path / "aliases.toml"
    f.write_text(text)
    with pytest.raises(PickgraphError, match=message):
        AliasFile.load(f)


def test_looks_plural_guard():
    assert [looks_plural(w) for w in ("apis", "kubernetes", "redis", "jenkins", "class", "os")] == [
        True, False, False, False, False, False]


def test_canary_corpus_is_one_topic_with_three_labels(make_corpus):
    folder = make_corpus({
        "1.txt": render_comparison("Canary Deployment", "Blue-Green Deployment", "Canary Deployment"),
        "2.txt": render_comparison("Canary Deployments", "Rolling Update", "Rolling Update"),
        "3.txt": render_comparison("Canary Release", "Feature Flags", "Canary Release",
                                   related={"Feature Flags": ["canary-releases"]}),
        "topic.txt": render_topic_page("Canary Deployment", "Send a little traffic to the new version first.",
                                       aliases=["Canary Release"]),
    })
    G, report = build([folder])
    assert not report.rejections
    canary = [n for n in G if n.startswith("canary")]
    assert canary == ["canary-deployment"]
    assert G.nodes["canary-deployment"]["labels"] == ["Canary Deployment", "Canary Deployments", "Canary Release"]
    opponents = sorted(v if u == "canary-deployment" else u for u, v, d in G.edges(data=True)
                       if d["kind"] == "versus" and "canary-deployment" in (u, v))
    assert opponents == ["blue-green-deployment", "feature-flags", "rolling-update"]
    assert G.has_edge("feature-flags", "canary-deployment")  # the related slug resolved too
    merges = {(m["slug"], m["rule"]) for m in identity_report(G)["merges"]}
    assert merges == {("canary-deployments", "plural"), ("canary-release", "topic-page"),
                      ("canary-releases", "plural")}
    assert G.nodes["canary-deployment"]["definition"] == "Send a little traffic to the new version first."


def test_data_corpus_identity_is_curated(data_graph):
    report = identity_report(data_graph)
    assert report["likely_duplicates"] == []
    rules = {m["slug"]: m["rule"] for m in report["merges"]}
    assert rules["canary-release"] == "topic-page"
    assert rules["canary-deployments"] == "plural"
    assert rules["git-flow"] == "hyphenation"
    assert rules["kafka"] == "alias-file"
    assert rules["online-analytical-processing"] == "alias-file"


def test_likely_duplicates_by_shared_opponents_and_acronyms(make_corpus):
    from graph.kg.identity_lint import likely_duplicates

    folder = make_corpus({
        "1.txt": render_comparison("MS SQL", "PostgreSQL", "PostgreSQL"),
        "2.txt": render_comparison("MS SQL", "MySQL", "MySQL"),
        "3.txt": render_comparison("SQL Server", "PostgreSQL", "SQL Server"),
        "4.txt": render_comparison("SQL Server", "MySQL", "SQL Server"),
        "5.txt": render_comparison("OLTP", "Online Analytical Processing", "OLTP"),
        "6.txt": render_comparison("OLAP", "Batch Processing", "OLAP"),
    })
    G, _ = build([folder])
    found = {(c["a"], c["b"]): c["reasons"] for c in likely_duplicates(G)}
    assert found[("ms-sql", "sql-server")] == ["compared with the same opponents: mysql, postgresql"]
    assert found[("olap", "online-analytical-processing")] == ["one is the acronym of the other"]
    # compared with each other on a page: never candidates
    assert ("oltp", "online-analytical-processing") not in found
    # competitors that share opponents but not names are not candidates
    assert ("mysql", "postgresql") not in found
