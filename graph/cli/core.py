"""``build``, ``topics``, ``show`` and ``export``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..read.files import DEFAULT_MAX_BYTES
from ..export import DEFAULT_FORMATS, FORMATS, export, export_many
from ..kg import summary
from ..read.model import Rejection
from ..topics import list_topics, topic_info
from . import State, pass_state, corpus_options, emit, json_option, out_option

@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(sorted(FORMATS)),
              help=f"Export format (repeatable). Default: {', '.join(DEFAULT_FORMATS)}.")
@click.option("--strict", is_flag=True, help="Stop at the first rejected page and write nothing.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Parser processes. Default: all cores.")
@click.option("--max-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest file read as a page; a larger one is rejected.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--stream", is_flag=True,
              help="For very large corpora: two passes in bounded memory, writing turtle, graphml and html "
                   "(the page is an overview); no query cache.")
@json_option
@out_option
@click.pass_context
def build(ctx: click.Context, paths: tuple[str, ...], formats: tuple[str, ...], strict: bool,
          jobs: int | None, max_bytes: int, quiet: bool, stream: bool, as_json: bool) -> None:
    """Read pages and build the topic graph; write exports and the query cache.

    PATHS are files or folders, read recursively for regular *.txt files
    (links are followed, each folder once); default: data/. Pipes, devices,
    link loops, dangling links, files over --max-bytes and names that are not
    UTF-8 are rejected, never waited on. The build is recorded in the out
    folder, so later query commands there answer about these pages.

    \b
    Exit status: 0 every page accepted; 1 some rejected (each reported as
    PATH:LINE: REASON, the rest still built), or an error (no pages found, …);
    2 a usage error.
    """
    from ..pipeline import BUNDLED_CORPUS, build as run_build, cache_path, paused_gc, record_build, save_cache

    with paused_gc():  # a one-shot batch job: see store.paused_gc
        state: State = ctx.ensure_object(State)
        state.quiet = state.quiet or quiet
        inputs = paths or state.corpus or (BUNDLED_CORPUS,)
        if not paths and not state.corpus and not Path(BUNDLED_CORPUS).is_dir():
            raise click.UsageError("name the pages to build: pickgraph build PATH (a folder of saved *.txt pages)")
        started = time.perf_counter()
        if stream:
            from ..stream import STREAM_FORMATS, stream_build

            result = stream_build(inputs, state.out, formats or STREAM_FORMATS, state.aliases, jobs=jobs,
                                  progress=state.progress, strict=strict, max_bytes=max_bytes)
            if result.get("strict"):
                _stopped(ctx, Rejection(**result["rejections"][0]), as_json)
            record_build(state.out, inputs, state.aliases, max_bytes)
            _report(result, as_json)
            ctx.exit(0 if result["ok"] else 1)
        G, report = run_build(inputs, state.aliases, jobs=jobs, progress=state.progress, max_bytes=max_bytes)
        if strict and report.rejections:
            _stopped(ctx, report.rejections[0], as_json)
        # the exports and the cache are written side by side (forked processes) on a big graph
        written = [str(p) for p in export_many(G, formats or DEFAULT_FORMATS, state.out,
                                               also=[lambda: save_cache(G, state.out, inputs, state.aliases)])]
        written.append(str(cache_path(state.out, inputs)))
        written.append(str(record_build(state.out, inputs, state.aliases, max_bytes)))
        counts = summary(G)
        result = {
            "ok": not report.rejections,
            "summary": counts,
            "rejections": [r.to_dict() for r in report.rejections],
            "duplicates": [d.to_dict() for d in report.duplicates],
            "warnings": G.graph["report"]["warnings"],
            "written": written,
            "seconds": round(time.perf_counter() - started, 3),
        }
        _report(result, as_json)
        ctx.exit(1 if report.rejections else 0)


def _stopped(ctx: click.Context, first: Rejection, as_json: bool) -> None:
    if as_json:
        emit({"ok": False, "strict": True, "rejections": [first.to_dict()], "written": []}, True, str)
    click.echo(f"{first}", err=True)
    click.echo("Stopped at the first rejected page (--strict); no output was written.", err=True)
    ctx.exit(1)


def _report(result: dict, as_json: bool) -> None:
    """What ``build`` prints: the JSON result, or rejections on stderr and a summary on stdout."""
    if as_json:
        emit(result, True, str)
        return
    for r in result["rejections"]:
        click.echo(f"rejected {Rejection(**r)}", err=True)
    for d in result["duplicates"]:
        click.echo(f"duplicate {d['path']}: same text as {d['same_as']}", err=True)
    click.echo(_summary_text(result["summary"]))
    if result["warnings"]:
        pages = len({w["path"] for w in result["warnings"]})
        click.echo(f"{len(result['warnings'])} warnings on {pages} accepted pages (truncated pages and the like; "
                   "--json lists them)")
    for w in result["written"]:
        click.echo(f"wrote {w}")
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.get("phases_s", {}).items())
    click.echo(f"built in {result['seconds']:.1f} s" + (f" ({phases})" if phases else ""))


def _summary_text(c: dict[str, int]) -> str:
    return (
        f"{c['documents']} documents ({c['comparison_pages']} comparison pages, {c['topic_pages']} topic pages), "
        f"{c['duplicates']} duplicates, {c['rejected']} rejected\n"
        f"{c['topics']} topics, {c['comparisons']} comparisons ({c['contested_pairs']} contested pairs), "
        f"{c['related_edges']} related edges, {c['alternative_edges']} alternative edges"
    )


@click.command()
@click.option("--limit", "-n", type=click.IntRange(0), default=0, help="Show only the first N (0: all).")
@json_option
@corpus_options
@pass_state
def topics(state: State, limit: int, as_json: bool) -> None:
    """List topics, most compared first, with their win/loss record."""
    rows = list_topics(state.graph())
    if limit:
        rows = rows[:limit]

    def text(rows):
        lines = [f"{'topic':<40} {'slug':<36} {'cmp':>3} {'W':>3} {'L':>3}"]
        lines += [f"{r['name'][:40]:<40} {r['slug'][:36]:<36} {r['comparisons']:>3} {r['wins']:>3} {r['losses']:>3}"
                  for r in rows]
        return "\n".join(lines)

    emit(rows, as_json, text)


@click.command()
@click.argument("topic")
@json_option
@corpus_options
@pass_state
def show(state: State, topic: str, as_json: bool) -> None:
    """Everything known of one TOPIC (a name, slug or alias, any case)."""
    G = state.graph()
    info = topic_info(G, state.topic(topic))
    emit(info, as_json, lambda i: _show_text(G, i))


def _show_text(G, i) -> str:
    out = [f"{i['name']}  ({i['slug']})"]
    if len(i["labels"]) > 1:
        out.append(f"  also: {', '.join(l for l in i['labels'] if l != i['name'])}")
    if i["definition"]:
        out.append(f"  definition: {i['definition']}")
    for d in i["descriptions"]:
        out.append(f"  - {d['text']}  [{d['source']}]")
    if i["pros"]:
        out.append("Pros:")
        out += [f"  + {p['text']}  [{p['source']}:{p['line']}]" for p in i["pros"]]
    if i["cons"]:
        out.append("Cons:")
        out += [f"  - {p['text']}  [{p['source']}:{p['line']}]" for p in i["cons"]]
    if i["related"]:
        out.append("Related: " + ", ".join(G.nodes[r]["name"] for r in i["related"]))
    out.append(f"Comparisons ({i['wins']} won, {i['losses']} lost):")
    if not i["comparisons"]:
        out.append("  none yet — try 'pickgraph suggest' for topics worth comparing")
    for c in i["comparisons"]:
        mark = " [contested]" if c["contested"] else ""
        pick = G.nodes[c["pick"]]["name"] if c["pick"] else "no pick"
        out.append(f"  vs {c['against_name']}: {c['result']} (pick: {pick}){mark}  [{c['source']}]")
    return "\n".join(out)


@click.command("export")
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(sorted(FORMATS)), help="Output format.")
@click.option("--output", "-O", "output", type=click.Path(dir_okay=False),
              help="File to write ('-' for standard output). Default: the format's file in the out folder.")
@click.option("--base-iri", metavar="IRI", default=None,
              help="RDF formats: base of the data IRIs (default https://w3id.org/pickgraph/); must end with / or #.")
@corpus_options
@pass_state
def export_cmd(state: State, fmt: str, output: str | None, base_iri: str | None) -> None:
    """Write the graph in one format (atomically: a failed write leaves the old file)."""
    if base_iri and not FORMATS[fmt].rdf:
        raise click.UsageError("--base-iri applies to the RDF formats only")
    options = {"base_iri": base_iri} if base_iri else {}
    G = state.graph()
    if output == "-":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = export(G, fmt, Path(tmp) / "out", **options)
            sys.stdout.buffer.write(path.read_bytes())
        return
    click.echo(f"wrote {export(G, fmt, output, out_dir=state.out, **options)}")


commands = [build, topics, show, export_cmd]
