"""``sparql`` and ``push``: query the triples here, or move them to your own store."""

from __future__ import annotations

import click

from graph.cli.state import State, pass_state, corpus_options, json_option, width_option
from graph.cli.term import emit, JSON_KEY, current_width, echo, json_shown, strong, warn, wrap
from graph.rdf.iris import DEFAULT_BASE, BadIRI, check_base


def _base_or_default(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    try:  # checked before any work: a bad base is a usage error, not a failure half-way
        return check_base(value or DEFAULT_BASE)
    except BadIRI as exc:
        raise click.BadParameter(str(exc)) from None


def _json_results(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    # a script reading SPARQL JSON results reads an error as JSON too
    if value == "json":
        ctx.meta[JSON_KEY] = True
    return value


base_iri_option = click.option(
    "--base-iri", default=None, callback=_base_or_default, show_default="https://w3id.org/pickgraph/", metavar="IRI",
    help="Base of the data IRIs (topic/{slug}, comparison/{sha256}, document/{sha256}); must end with / or #.")


@click.command(short_help="Run a SPARQL query over the graph (embedded Oxigraph).",
               epilog="Ready queries: pickgraph sparql --list. Your own store: pickgraph push.")
@click.argument("query", required=False)
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "xml", "csv", "tsv"]), default="table",
              show_default=True, callback=_json_results,
              help="Results format: a text table or the standard SPARQL JSON/XML/CSV/TSV results (with json, an "
                   "error is JSON too).")
@click.option("--bind", "-b", "binds", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE as a plain string (NAME=<IRI> binds an IRI). Repeatable. "
                   "The variable must be in the SELECT list.")
@click.option("--topic", "-t", "topics", multiple=True, metavar="NAME=TOPIC",
              help="Bind ?NAME to the IRI of TOPIC, given by name, slug or alias in any case. Repeatable.")
@click.option("--list", "list_queries", is_flag=True, help="List the bundled ready queries and exit.")
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True, metavar="SECONDS",
              help="Stop the query after this many seconds (exit status 5); 0: no limit.")
@click.option("--memory", "memory_mb", type=click.FloatRange(min=16), default=2048, show_default=True, metavar="MB",
              help="Stop the query when it needs more than this much memory (exit status 5).")
@click.option("--allow-service", is_flag=True,
              help="Let SERVICE clauses call remote endpoints (queries run offline otherwise).")
@base_iri_option
@json_option
@width_option
@corpus_options
@pass_state
def sparql(state: State, query: str | None, fmt: str, binds: tuple[str, ...], topics: tuple[str, ...],
           list_queries: bool, timeout: float, memory_mb: float, allow_service: bool, base_iri: str,
           as_json: bool) -> None:
    """Run a SPARQL query over the graph in an embedded Oxigraph store.

    QUERY is the query text, @FILE.rq, or @NAME of a bundled query (see --list).
    --json is --format json (the standard SPARQL JSON results).
    The prefixes pg: skos: prov: rdf: rdfs: xsd: topic: comparison: document:
    need no declaration. Values from the command line are bound to variables,
    never pasted into the query. Queries run offline (SERVICE is refused unless
    --allow-service), in a process of their own without network access, within
    --timeout and --memory.

    \b
    Examples:
      pickgraph sparql 'SELECT ?name WHERE { ?t a pg:Topic ; skos:prefLabel ?name } LIMIT 5'
      pickgraph sparql @topic-comparisons --topic topic=PostgreSQL
      pickgraph sparql @pick-evidence -t winner=Redis -t loser=Memcached --format json
    """
    # late: the SPARQL runner and its store, which `pickgraph push --help` and shell completion do not need
    from graph.sparql.run import bundled_queries, check_query, describe_query, execute, \
        parse_binding, read_query, SparqlError, topic_term
    from graph.sparql.store import load_store  # late: as above

    if as_json:
        if fmt not in ("table", "json"):
            raise click.UsageError(f"--json and --format {fmt} ask for two formats; choose one")
        fmt = "json"
    if list_queries:
        listing = "\n".join(f"@{name:<20} {describe_query(text)}" for name, text in bundled_queries().items())
        echo(wrap(listing, current_width()))
        return
    if not query:
        raise click.UsageError("give a QUERY, @FILE.rq or @NAME (see --list)")
    text = read_query(query)
    check_query(text, allow_service)  # before the graph is loaded
    bindings = dict(parse_binding(b) for b in binds)
    specs = []
    for spec in topics:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise SparqlError(f"bad --topic {spec!r}: write NAME=TOPIC, e.g. topic=PostgreSQL")
        specs.append((name.strip().lstrip("?$"), value))
    # the store of the last build, without loading its graph, when the pages are still those it read
    store = load_store(state.graph, base_iri, out=state.out, inputs=state.inputs(), notify=warn)
    for name, value in specs:
        bindings[name] = topic_term(store, value, base_iri)
    out = execute(store, text, bindings, base_iri, fmt, timeout=timeout or None, allow_service=allow_service,
                  width=current_width(), memory_mb=memory_mb).body.decode()
    if fmt == "table" and "\n" in out:  # the header bold
        head, _, rest = out.partition("\n")
        out = f"{strong(head)}\n{rest}"
    if fmt == "table":  # text for a terminal; the other formats are data for a program, written as they are
        echo(out, nl=not out.endswith("\n"))
    else:
        click.echo(json_shown(out) if fmt == "json" else out, nl=not out.endswith("\n"))


def _endpoint(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from graph.sparql.push import PushError, check_endpoint  # late: httpx, which `sparql` does not need

    try:  # checked before the graph is loaded: a bad URL is a usage error
        check_endpoint(value)
    except PushError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command(short_help="Replace a named graph of a SPARQL store with the graph's triples.")
@click.option("--endpoint", "-e", required=True, metavar="URL", envvar="PICKGRAPH_PUSH_ENDPOINT", callback=_endpoint,
              help="Graph Store HTTP Protocol URL of the store (Oxigraph: http://HOST:7878/store; "
                   "Fuseki: http://HOST:3030/DATASET/data; Virtuoso: http://HOST:8890/sparql-graph-crud-auth). "
                   "Env: PICKGRAPH_PUSH_ENDPOINT.")
@click.option("--graph", "-g", "graph_iri", metavar="IRI",
              help="Named graph to replace. Default: {base}graph/all.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=600.0, show_default=True, metavar="SECONDS",
              help="Seconds the store has for all requests together, from the first one (exit status 5 after).")
@click.option("--batch-size", type=click.IntRange(min=1), default=100_000, show_default=True, metavar="TRIPLES",
              help="Triples per request: the first replaces the graph (PUT), the others add to it (POST).")
@base_iri_option
@json_option
@corpus_options
@pass_state
def push(state: State, endpoint: str, graph_iri: str | None, timeout: float, batch_size: int, base_iri: str,
         as_json: bool) -> None:
    """Replace one named graph of a SPARQL store with the graph's triples.

    Uses the Graph Store HTTP Protocol (PUT, then POST for each further batch), so
    pushing again replaces the graph instead of adding to it. "pushed" is printed
    only when the store answered 200, 201 or 204 to every request. Credentials
    come from the environment and are never printed: PICKGRAPH_PUSH_TOKEN
    (bearer), or PICKGRAPH_PUSH_USER and PICKGRAPH_PUSH_PASSWORD (basic; digest
    with PICKGRAPH_PUSH_AUTH=digest, as Virtuoso asks).
    """
    from graph.sparql.push import push as run_push  # late: httpx, which `sparql` does not need

    result = run_push(state.graph(), endpoint, graph_iri, base_iri=base_iri, timeout=timeout, batch_size=batch_size)
    emit(result, as_json,
         lambda r: f"pushed {r['triples']} triples into <{r['graph']}> at {r['endpoint']} (HTTP {r['status']}"
                   + (f", {r['requests']} requests)" if r["requests"] > 1 else ")"))


commands = [sparql, push]
