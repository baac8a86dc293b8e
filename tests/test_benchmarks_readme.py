"""``python -m benchmarks readme`` (``make bench-readme``) end to end at a tiny size.

It asserts that every figure the README's "Speed and memory" table quotes is there, by name
and unit, for the even and the hub-heavy corpus, and that the run says where it was made;
never how fast anything was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the README's rows, in order: (figure, unit)
FIGURES = [
    ("topics", "count"), ("top hub", "slug"), ("top hub: comparison pages", "count"),
    ("build: wall", "s"), ("build: CPU", "s"), ("build: peak RSS of the largest process", "MB"),
    ("build: RSS summed over the process tree", "MB"), ("build: processes", "count"),
    ("rdflib baseline build (Turtle): wall", "s"), ("rdflib baseline build (Turtle): peak RSS", "MB"),
    ("rdflib baseline ÷ build, wall", "×"),
    ("build after changing 1 page: wall", "s"), ("build after changing 100 pages: wall", "s"),
    ("show TOP-HUB, whole process: wall", "s"), ("compare TOP-HUB, whole process: wall", "s"),
    ("why TOP-HUB, whole process: wall", "s"), ("suggest TOP-HUB, whole process: wall", "s"),
    ("show TOP-HUB, whole process: peak RSS", "MB"), ("compare TOP-HUB, whole process: peak RSS", "MB"),
    ("why TOP-HUB, whole process: peak RSS", "MB"), ("suggest TOP-HUB, whole process: peak RSS", "MB"),
    ("suggest in process: p95", "ms"), ("why in process: p95", "ms"), ("compare in process: p95", "ms"),
    ("sparql @win-loss -t TOP-HUB, whole process: wall", "s"), ("sparql @win-loss -t TOP-HUB, whole process: CPU", "s"),
    ("sparql, the store made: wall", "s"), ("sparql, the store made: peak RSS", "MB"),
    ("serve: API p95", "ms"), ("serve: SPARQL p95", "ms"), ("serve: errors", "count"), ("serve: requests", "1/s"),
    ("serve: RSS of the server process", "MB"), ("serve: peak RSS of the server process, its start included", "MB"),
    ("serve: RSS of the server and its query processes", "MB"),
    ("serve: peak RSS of the largest process", "MB"), ("serve: processes", "count"),
    ("suggestion index: wall", "s"), ("suggestion index: CPU", "s"), ("suggestion index: peak", "MB"),
]


def test_readme_command_gives_every_figure_of_the_readme_on_both_corpora(tmp_path):
    out = tmp_path / "readme.json"
    r = subprocess.run([sys.executable, "-m", "benchmarks", "readme", "--sizes", "60", "--runs", "1",
                        "--seconds", "2", "--clients", "4", "--work", str(tmp_path / "work"), "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["columns"] == ["60 lognormal", "60 zipf:1.1"]
    assert [(row["figure"], row["unit"]) for row in results["table"]] == FIGURES
    # every figure measured on both corpora (whatever its value)
    missing = [(row["figure"], c) for row in results["table"] for c, v in zip(results["columns"], row["values"])
               if v is None]
    assert missing == []
    assert [(c["size"], c["popularity"], c["corpus"]["popularity"]) for c in results["sizes"]] == [
        (60, "lognormal", "lognormal"), (60, "zipf:1.1", "zipf:1.1")]
    assert all(Path(c["corpus"]["path"]).name.startswith("corpus-60-seed0") for c in results["sizes"])
    # serve: each process of its tree with its own peak, the server and at least one query process
    for col in results["sizes"]:
        [steady] = col["serve"]["runs"]
        assert len(steady["process_peaks_mb"]) >= 2
        assert steady["process_peaks_sum_mb"] >= steady["largest_process_mb"] == steady["process_peaks_mb"][0][1]
    # where and when it ran, at the top of both files
    m = results["machine"]
    assert m["commit"] and m["nproc"] >= 1 and len(m["loadavg"]) == 3 and results["date"]
    md = out.with_suffix(".md").read_text()
    assert md.startswith("Command: `python -m benchmarks readme --sizes 60 ")
    assert f"`nproc` {m['nproc']}" in md and f"pickgraph commit {m['commit']}" in md and "load average at start" in md
    assert "| figure | unit | 60 lognormal | 60 zipf:1.1 |" in md
    # the README's shorter table: one row per line of its "Speed and memory" table, every cell measured
    short = md[md.index("## For the README"):md.index("## The README's figures")].strip().splitlines()[2:]
    assert short[1] == "|---|---:|---:|" and len(short) == 2 + 11 and "–" not in "".join(short)
    assert short[9].startswith("| `serve` under 4 clients: API / SPARQL p95 ms | ")
    assert all(f"| {what} | {unit} |" in md for what, unit in FIGURES)
    assert r.stdout == md
    # the Markdown can be made again from the JSON alone
    again = subprocess.run([sys.executable, "-m", "benchmarks", "readme", "--render", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert (again.returncode, again.stdout) == (0, md)
