"""``serve``: the last build, live in the browser, with a SPARQL endpoint."""

from __future__ import annotations

import click

from graph.serve.http import Bounds
from graph.cli.state import State, out_option, pass_state
from graph.cli.term import echo


def _origins(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    from graph.serve.origins import check_origin  # late: starlette, which `serve --help` need not load

    try:
        return tuple(check_origin(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


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
@click.option("--cors", "cors", metavar="ORIGIN", multiple=True, callback=_origins,
              help="Let web pages of ORIGIN (scheme://host[:port], exactly as the browser sends it) use the server "
                   "and read its answers; repeatable; * for any page. Default: none, only the explorer's own "
                   "pages (requests from other sites' pages are refused with 403; tools that send no Origin, "
                   "such as curl and SPARQLWrapper, are served).")
@click.option("--max-connections", type=click.IntRange(2), default=Bounds.connections, show_default=True,
              help="Connections open at once. Past it, or past --max-per-client, a new connection closes "
                   "the one that waited longest with no request in progress (503 only when every one is busy).")
@click.option("--max-per-client", type=click.IntRange(1), default=Bounds.per_client, show_default=True,
              help="Connections open at once from one client address.")
@click.option("--idle-timeout", type=click.FloatRange(0.1, 3600), default=Bounds.idle_seconds, show_default=True,
              metavar="S", help="Seconds a connection may stay open with no request (before its first, between two).")
@click.option("--request-timeout", type=click.FloatRange(0.1, 3600), default=Bounds.request_seconds,
              show_default=True, metavar="S",
              help="Seconds a request may take to arrive whole, from its first byte (then 408 and closed).")
@click.option("--base-iri", metavar="IRI", default=None,
              help="Base of the data IRIs in SPARQL (default https://w3id.org/pickgraph/).")
@out_option
@pass_state
def serve(state: State, port: int, host: str, open_browser: bool, time_limit: float, query_memory: float,
          max_rows: int, query_workers: int | None, cache_mb: float, cors: tuple[str, ...], max_connections: int,
          max_per_client: int, idle_timeout: float, request_timeout: float, base_iri: str | None) -> None:
    """Serve the last build in the out folder at http://127.0.0.1:8000/ until Ctrl-C.

    \b
    /              the explorer: search every topic, expand neighbours, compare
    /api/...       show, compare, suggest, why, topics: the CLI's --json, as JSON
    /sparql        SPARQL 1.1 Protocol (read-only; SERVICE refused; time and row limits)

    A newer build in the out folder is picked up while serving (no restart).
    Web pages of other origins are refused unless named with --cors.
    """
    from graph.serve.main import serve as run  # late: uvicorn and starlette, which `serve --help` need not load

    # what the server says (a build that could not be loaded names its files) goes through the one printer
    run(state.out, host, port, open_browser, base_iri, time_limit, max_rows, query_workers,
        say=lambda line: echo(line, err=True), progress=state.progress, cache_mb=cache_mb, cors=cors,
        bounds=Bounds(request_seconds=request_timeout, idle_seconds=idle_timeout, connections=max_connections,
                      per_client=max_per_client), memory_mb=query_memory)


commands = [serve]
