"""notebooks/explore.ipynb, run top to bottom in a real Jupyter kernel.

The kernel is this interpreter (``sys.executable``, where pickgraph is installed):
its kernelspec is written into a temporary folder that ``JUPYTER_PATH`` puts
first, so neither a missing ``python3`` kernelspec nor a user's own one pointing
at another Python changes what runs. The notebook runs with ``notebooks/`` as
its working folder, as Jupyter would start it. Runs in CI too: nothing here skips.
"""

from __future__ import annotations

import base64
import html
import re
from importlib import import_module

import nbformat
import pytest
from conftest import ROOT

pytestmark = pytest.mark.notebook

NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = NOTEBOOKS / "explore.ipynb"
KERNEL = "pickgraph-test-python"
CELL_TIMEOUT = 180  # seconds per cell: generous for a slow CI machine; the whole run takes ~10 s here
# An outside address in a src/href/url(): the inline view must load nothing from the network.
OUTSIDE = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


def _by_tag(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _text(cell) -> str:
    """Everything a cell showed as text: its streams and the text/plain of its displays."""
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("display_data", "execute_result"):
            out.append(o.data.get("text/plain", ""))
    return "\n".join(out)


def _data(cell, mime: str) -> list[str]:
    return [o.data[mime] for o in cell.outputs if o.output_type in ("display_data", "execute_result") and mime in o.data]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    from ipykernel.kernelspec import install
    from nbclient import NotebookClient

    import_module("matplotlib.font_manager")  # a fresh machine builds the font cache here, not in a cell's stderr

    tmp = tmp_path_factory.mktemp("jupyter")
    install(prefix=str(tmp), kernel_name=KERNEL, display_name="pickgraph tests")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(tmp / "share" / "jupyter"))
        mp.setenv("IPYTHONDIR", str(tmp / "ipython"))  # no user profile or startup files
        mp.delenv("MPLBACKEND", raising=False)
        client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, startup_timeout=120,
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute()  # raises CellExecutionError, with the traceback, at the first failing cell
    return nb


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 10
    for c in code:
        assert c.outputs == [], f"cell {c.id} was committed with outputs: clear them before committing"
        assert c.execution_count is None, f"cell {c.id} was committed with an execution count"
        timing = {"execution", "ExecuteTime"} & set(c.metadata)  # JupyterLab / nbextensions run timings
        assert not timing, f"cell {c.id} carries run metadata {sorted(timing)}"
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata


def test_runs_clean(executed):
    for c in executed.cells:
        if c.cell_type != "code":
            continue
        assert c.execution_count is not None, f"cell {c.id} did not run"
        kinds = [o.output_type for o in c.outputs]
        assert "error" not in kinds, f"cell {c.id} failed"
        stderr = [o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, f"cell {c.id} wrote to stderr (a warning?): {stderr}"


def test_corpus_statistics(executed):
    text = _text(_by_tag(executed, "summary"))
    assert re.search(r"^comparison_pages\s+92$", text, re.M)
    assert re.search(r"^topics\s+233$", text, re.M)
    assert re.search(r"^contested_pairs\s+3$", text, re.M)
    [table] = _data(_by_tag(executed, "summary"), "text/html")
    assert "<td style='text-align:left;vertical-align:top'>comparison_pages</td>" in table


def test_topic_lookup(executed):
    text = _text(_by_tag(executed, "topic"))
    assert "PostgreSQL (slug postgresql): record 4-1 (wins-losses)" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("MySQL ")]
    assert rows == [["MySQL", "loss", "yes", "a002_mysql-vs-postgresql.txt"],
                    ["MySQL", "win", "yes", "a001_postgresql-vs-mysql.txt"]]
    compare = _text(_by_tag(executed, "compare"))
    assert "PostgreSQL vs MySQL: direct (contested)" in compare
    assert "Django vs Go: derived" in compare
    # the sources are shown relative to the notebook's folder, not as this machine's absolute paths
    assert "[../data/comparisons/a001_postgresql-vs-mysql.txt]" in compare and str(ROOT) not in compare


def test_suggestions(executed):
    text = _text(_by_tag(executed, "suggest"))
    first = [lines.splitlines()[3].split()[0] for lines in text.split("You might also compare ")[1:]]
    # Django: a web framework, not Python, the platform it is built on; Model Interpretability: Model Monitoring
    assert first == ["Express", "Model"]
    assert "both were compared with FastAPI" in text


def test_pick_explanation(executed):
    text = _text(_by_tag(executed, "why"))
    assert text.startswith("React is preferred over Vue: picked by 1 page.")
    assert "contested: 2 pages compare PostgreSQL and MySQL and disagree on the pick" in text
    assert "Case for PostgreSQL [../data/comparisons/a001_postgresql-vs-mysql.txt]:" in text
    assert "Case for MySQL [../data/comparisons/a002_mysql-vs-postgresql.txt]:" in text


def test_sparql_tables(executed):
    assert re.search(r"pickgraph\.ttl: [\d,]+ bytes, [\d,]+ triples", _text(_by_tag(executed, "rdf")))
    first = _by_tag(executed, "sparql-1")
    rows = [line.split() for line in _text(first).splitlines()[3:]]
    # the query orders a topic's comparisons by the page's document id, a digest of what the page says
    assert rows == [["SQLite", "win", "False", "a003_sqlite-vs-postgresql.txt"],
                    ["MySQL", "loss", "True", "a002_mysql-vs-postgresql.txt"],
                    ["Snowflake", "win", "False", "b004_snowflake-vs-postgresql.txt"],
                    ["MySQL", "win", "True", "a001_postgresql-vs-mysql.txt"],
                    ["CockroachDB", "win", "False", "a008_cockroachdb-vs-postgresql.txt"]]
    [table] = _data(first, "text/html")
    assert table.count("<tr>") == 1 + 5
    second = _text(_by_tag(executed, "sparql-2"))
    pairs = [re.split(r"\s{2,}", line) for line in second.splitlines()[3:]]
    assert pairs == [["Apache Airflow vs Dagster", "Apache Airflow", "b009_apache-airflow-vs-dagster.txt"],
                     ["Apache Airflow vs Dagster", "Dagster", "b010_dagster-vs-apache-airflow.txt"],
                     ["MySQL vs PostgreSQL", "PostgreSQL", "a001_postgresql-vs-mysql.txt"],
                     ["MySQL vs PostgreSQL", "MySQL", "a002_mysql-vs-postgresql.txt"],
                     ["Pulumi vs Terraform", "Pulumi", "a033_terraform-vs-pulumi.txt"],
                     ["Pulumi vs Terraform", "Terraform", "a034_pulumi-vs-terraform.txt"]]


def test_inline_view_is_offline(executed):
    cell = _by_tag(executed, "view")
    assert _text(cell).startswith("233 of 233 topics, 407 links")
    [outer] = _data(cell, "text/html")
    m = re.fullmatch(r'<div><iframe srcdoc="([^"]*)" sandbox="allow-scripts" style="[^"]*"></iframe></div>', outer)
    assert m, outer[:300]
    page = html.unescape(m.group(1))
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "new vis.Network(" in page  # vis-network is inlined, not fetched
    assert '"topics_total":233' in page
    for doc in (outer, page):
        hit = OUTSIDE.search(doc)
        assert hit is None, f"outside address: {doc[max(0, hit.start() - 80):hit.end() + 80]!r}"


@pytest.mark.parametrize("tag", ["plot-degree", "plot-compared", "plot-winrate"])
def test_plots(executed, tag):
    cell = _by_tag(executed, tag)
    [png] = _data(cell, "image/png")
    blob = base64.b64decode(png)
    assert blob.startswith(b"\x89PNG\r\n\x1a\n") and len(blob) > 5000
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
    assert width >= 400 and height >= 250


def test_plot_numbers(executed):
    assert "hubs: Python (21), Kubernetes (19), JavaScript (18)" in _text(_by_tag(executed, "plot-degree"))
    assert "35 topics with 2 or more picks; widest interval: 0.81" in _text(_by_tag(executed, "plot-winrate"))

