"""Shared fixtures: the seeds, the bundled corpus, and small hand-made corpora."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from graph.pipeline import build
from graph.read.render import render_comparison, render_topic_page

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(os.environ.get("PICKGRAPH_SEEDS", ROOT.parent / "shared" / "seeds"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The user's two real sample pages (../shared/seeds), where that folder exists."""
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds folder at {SEEDS}")
    return SEEDS


@pytest.fixture(scope="session")
def seeds_graph(seeds_dir):
    G, _ = build([seeds_dir])
    return G


@pytest.fixture(scope="session")
def data_graph():
    """The graph of the bundled data/ corpus."""
    G, _ = build([DATA])
    return G


def write_corpus(folder: Path, pages: dict[str, str]) -> Path:
    """Write ``{file name: text}`` into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def make_corpus(tmp_path):
    """``make_corpus({"a.txt": text, …})`` → a folder of pages."""
    def make(pages: dict[str, str], name: str = "corpus") -> Path:
        return write_corpus(tmp_path / name, pages)
    return make


#: markup that must be shown as text, never run, wherever document text is displayed
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"


@pytest.fixture
def payload_graph(make_corpus):
    """A graph whose document text carries markup payloads."""
    folder = make_corpus({
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha",
                                    descriptions={"Alpha": f"Developers should use Alpha {IMG} and {SCRIPT} for it"},
                                    pros={"Alpha": [f"Fast builds {IMG} for everyone here"]}),
    }, "payload")
    G, _ = build([folder])
    return G


def tiny_pages() -> dict[str, str]:
    """A hand-made corpus whose answers can be worked out by hand.

    Picks: A beats B, B beats C, C beats D; X vs Y stands apart (another component);
    P vs Q is contested (one page each way). Related: A→shared, C→shared, D→rare.
    """
    return {
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha", related={"Alpha": ["shared", "beta"], "Beta": ["common"]}),
        "bc.txt": render_comparison("Beta", "Gamma", "Beta", related={"Beta": ["common"], "Gamma": ["shared"]}),
        "cd.txt": render_comparison("Gamma", "Delta", "Gamma", related={"Gamma": ["common"], "Delta": ["rare"]}),
        "xy.txt": render_comparison("Xeno", "Yotta", "Yotta", related={"Xeno": ["island"], "Yotta": ["island"]}),
        "pq.txt": render_comparison("Pi", "Qubit", "Pi", related={"Pi": ["common"], "Qubit": ["common"]}),
        "qp.txt": render_comparison("Qubit", "Pi", "Qubit", related={"Qubit": ["common"], "Pi": ["common"]}, compact=True),
    }


@pytest.fixture
def tiny_corpus(make_corpus) -> Path:
    return make_corpus(tiny_pages(), "tiny")


@pytest.fixture
def tiny_graph(tiny_corpus):
    G, _ = build([tiny_corpus])
    return G


__all__ = ["render_comparison", "render_topic_page", "write_corpus", "tiny_pages"]


#: The ``pickgraph`` command as a process of this interpreter (the tests' own checkout).
PICKGRAPH = [sys.executable, "-c", "from graph.cli import main; main(prog_name='pickgraph')"]
