"""``serve``: the last build, live in the browser, with a SPARQL endpoint."""

from __future__ import annotations

import click

from . import State, out_option, pass_state


@click.command(short_help="Explore the last build in a browser, with a SPARQL endpoint.",
               epilog="Reference: docs/serve.md.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Another than the loopback is warned about: anyone who reaches it "
                   "can read the graph.")
@click.option("--open", "open_browser", is_flag=True, help="Open the explorer in the default browser.")
@click.option("--time-limit", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds a SPARQL query may run before it is stopped.")
@click.option("--query-memory", type=click.FloatRange(min=16), default=1024, show_default=True, metavar="MB",
              help="Megabytes a SPARQL query may use before it is stopped (its process is replaced).")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True,
              help="Results a SPARQL query may return (more: an error asking for a LIMIT).")
@click.option("--query-workers", type=click.IntRange(1, 64), default=None,
              show_default="two per core, at most 8",
              help="Processes that run SPARQL queries side by side.")
@click.option("--answer-cache", "cache_mb", type=click.FloatRange(0), default=64, show_default=True, metavar="MB",
              help="Megabytes of answers kept per build, for SPARQL and for the API each, so a repeated "
                   "request is computed once (0: none).")
@click.option("--base-iri", metavar="IRI", default=None,
              help="Base of the data IRIs in SPARQL (default https://w3id.org/pickgraph/).")
@out_option
@pass_state
def serve(state: State, port: int, host: str, open_browser: bool, time_limit: float, query_memory: float,
          max_rows: int, query_workers: int | None, cache_mb: float, base_iri: str | None) -> None:
    """Serve the last build in the out folder at http://127.0.0.1:8000/ until Ctrl-C.

    \b
    /              the explorer: search every topic, expand neighbours, compare
    /api/...       show, compare, suggest, why, topics: the CLI's --json, as JSON
    /sparql        SPARQL 1.1 Protocol (read-only; SERVICE refused; time and row limits)

    A newer build in the out folder is picked up while serving (no restart).
    """
    from ..serve.main import serve as run

    run(state.out, host, port, open_browser, base_iri, time_limit, max_rows, query_workers,
        progress=state.progress, cache_mb=cache_mb, memory_mb=query_memory)


commands = [serve]
