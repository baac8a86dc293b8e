"""Every query of the table (graph/query/api.py) asked twice on data/: of a real ``pickgraph`` process
with ``--json`` and of a real ``pickgraph serve`` on 127.0.0.1. The two JSON documents are equal, an
error's too (the one error body), and the CLI's exit status is the body's ``exit_code``."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from servehelp import PICKGRAPH, ROOT, Server

from graph.query.api import TABLE

pytestmark = pytest.mark.server

#: (route and query string, the same question on the command line, the HTTP status)
CASES = [
    ("topics?limit=1000", ["topics"], 200),
    ("topics?q=postg&limit=2", ["topics", "--prefix", "postg", "--limit", "2"], 200),
    ("topics?q=go&offset=1&limit=3", ["topics", "--prefix", "go", "--offset", "1", "-n", "3"], 200),
    ("show?topic=PostgreSQL", ["show", "PostgreSQL"], 200),
    ("show?topic=kafka", ["show", "kafka"], 200),  # an alias
    ("show?topic=Rustt", ["show", "Rustt"], 404),  # unknown, with the closest names
    ("compare?a=Go&b=Rust", ["compare", "Go", "Rust"], 200),
    ("compare?a=Go&b=PostgreSQL", ["compare", "Go", "PostgreSQL"], 200),
    ("compare?a=Go&b=go", ["compare", "Go", "go"], 400),  # one topic twice
    ("why?a=React&b=Vue", ["why", "React", "Vue"], 200),
    ("why?a=React&b=Vuee", ["why", "React", "Vuee"], 404),
    ("suggest?topic=Django&k=3", ["suggest", "Django", "-k", "3"], 200),
    ("suggest?topic=Django&topic=Flask", ["suggest", "Django", "Flask"], 200),
    ("suggest?topic=Django&topic=Flask&pair=false", ["suggest", "Django", "Flask", "--each"], 200),
    ("suggest?topic=Django&topic=Flask&topic=Go&pair=true", ["suggest", "Django", "Flask", "Go", "--pair"], 400),
    ("suggest?" + "&".join(["topic=Go"] * 21), ["suggest", *["Go"] * 21], 400),  # over the table's bound
]


@pytest.fixture(scope="module")
def server(data_out):
    with Server(data_out) as s:
        yield s


def test_every_query_of_the_table_is_asked():
    assert {path.split("?")[0] for path, _, _ in CASES} == {q.name for q in TABLE}


@pytest.mark.parametrize("path, args, status", CASES, ids=[c[0][:60] for c in CASES])
def test_cli_json_equals_api_json(server, data_out, path, args, status):
    r = subprocess.run([*PICKGRAPH, "--out", str(data_out), *args, "--json"], cwd=ROOT, capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    cli = json.loads(r.stdout)
    got_status, api = server.get("/api/" + path)
    assert got_status == status
    assert api == cli
    assert r.returncode == (cli["exit_code"] if status != 200 else 0)


def test_docs_list_each_query_output_as_the_table_says():
    """docs/json.md shows the shape the table declares, for each query."""
    lines = (ROOT / "docs" / "json.md").read_text().splitlines()
    for q in TABLE:
        head = f"- `{q.name} --json`: "
        [line] = [line for line in lines if line.startswith(head)]
        assert line[len(head):].replace("`", "") == q.output

