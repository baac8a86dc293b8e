"""``build`` and ``export``."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import click

from graph.build.record import BUNDLED_CORPUS, write_into
from graph.build.progress import show as show_progress
from graph.build.run import StrictStop
from graph.build.signals import BuildSignals
from graph.read.files import DEFAULT_MAX_BYTES
from graph.export.registry import DEFAULT_FORMATS, FORMATS, export
from graph.read.records import Rejection
from graph.cli.state import State, leave, pass_state, corpus_options, json_option, out_option, output_option
from graph.cli.term import emit, caution, echo, printable

@click.command(short_help="Read pages, build the topic graph, write exports and the cache.",
               epilog="Next: pickgraph topics, pickgraph show TOPIC, pickgraph view.")
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
@click.option("--full", is_flag=True,
              help="Read every page again. By default a page whose file kept its path, size, mtime and ctime "
                   "since the last build in the out folder is taken from that build (the outputs are the same).")
@click.option("--verbose", "-v", is_flag=True, help="Say each phase of the build on stderr as it starts.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="When another build is writing the out folder: wait for it, or stop at once (exit 4).")
@json_option
@out_option
@click.pass_context
def build(ctx: click.Context, paths: tuple[str, ...], formats: tuple[str, ...], strict: bool,
          jobs: int | None, max_bytes: int, quiet: bool, stream: bool, full: bool, verbose: bool, wait: bool,
          as_json: bool) -> None:
    """Read pages and build the topic graph; write exports and the query cache.

    PATHS are files or folders, read recursively for regular *.txt files
    (links are followed, each folder once); default: data/. Pipes, devices,
    link loops, dangling links, files over --max-bytes and names that are not
    UTF-8 are rejected, never waited on. The build is recorded in the out
    folder, so later query commands there answer about these pages.

    All outputs of a build (exports, query cache, record) are written under
    temporary names and put in place together at the end: a failed, stopped or
    killed build leaves the previous set whole. One build at a time writes an
    out folder; another waits (or, with --no-wait, stops).

    \b
    Exit status: 0 every page accepted; 1 some rejected (each reported as
    PATH:LINE: REASON, the rest still built), or an error (no pages found, …);
    2 a usage error; 3 an output could not be written (read-only or full
    disk; nothing was changed); 4 another build is writing the out folder
    (--no-wait); 130 interrupted (Ctrl-C; nothing was changed); 143 stopped by
    SIGTERM (nothing was changed). Ctrl-C or SIGTERM once the outputs are put in
    place no longer stops the build: its report is finished, a note says so, and
    the status is the build's (0 or 1).
    """
    state: State = ctx.ensure_object(State)
    state.quiet = state.quiet or quiet
    show_progress(state.progress)
    inputs = paths or state.corpus or (BUNDLED_CORPUS,)
    if not paths and not state.corpus and not Path(BUNDLED_CORPUS).is_dir():
        raise click.UsageError("name the pages to build: pickgraph build PATH (a folder of saved *.txt pages)")
    started = time.perf_counter()

    def say(line: str) -> None:
        if verbose:
            echo(f"build: {line}", err=True)

    signals = BuildSignals(state.as_process, as_json)
    if state.as_process:
        gc.disable()  # the process leaves without freeing the build (leave()): a collection after it would only walk it
    try:
        # the build (and its graph) is held to the end: the process leaves without freeing it
        built = signals.build(state.out, inputs, formats=formats or None, aliases=state.aliases, jobs=jobs,
                              progress=state.progress, max_bytes=max_bytes, strict=strict, stream=stream, full=full,
                              wait=wait, on_wait=state.waiting, say=say,
                              notify=lambda line: echo(printable(line), err=True))
    except StrictStop as stop:
        _stopped(ctx, stop.first, as_json)
    result = built.result
    result["seconds"] = round(time.perf_counter() - started, 3)
    with signals.held():
        _report(result, as_json)
    if signals.note():
        click.echo(f"note: {signals.note()}", err=True)
    if state.as_process:
        leave(0 if result["ok"] else 1)
    ctx.exit(0 if result["ok"] else 1)


def _stopped(ctx: click.Context, first: Rejection, as_json: bool) -> None:
    if as_json:
        emit({"ok": False, "strict": True, "rejections": [first.to_dict()], "written": []}, True, str)
    echo(printable(str(first)), err=True)
    echo("Stopped at the first rejected page (--strict); no output was written.", err=True)
    ctx.exit(1)


def _report(result: dict, as_json: bool) -> None:
    """What ``build`` prints: the JSON result, or rejections on stderr and a summary on stdout."""
    if as_json:
        emit(result, True, str)
        return
    for r in result["rejections"]:
        echo(caution(printable(f"rejected {Rejection(**r)}")), err=True)
    for d in result["duplicates"]:
        echo(printable(f"duplicate {d['path']}: same text as {d['same_as']}"), err=True)
    echo(_summary_text(result["summary"]))
    if result["warnings"]:
        pages = len({w["path"] for w in result["warnings"]})
        echo(f"{len(result['warnings'])} warnings on {pages} accepted pages (truncated pages and the like; "
                   "--json lists them)")
    # the cache's files are many and named by hash: one line for them (--json lists each)
    cached = [w for w in result["written"] if os.path.basename(os.path.dirname(w)) == ".cache"]
    if cached:
        echo(printable(f"wrote {os.path.dirname(cached[0])}{os.sep} ({len(cached)} files: the query cache and "
                       "what the next build reuses)"))
    for w in result["written"]:
        if w not in cached:
            echo(printable(f"wrote {w}"))
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.get("phases_s", {}).items())
    echo(f"built in {result['seconds']:.1f} s" + (f" ({phases})" if phases else ""))


def _summary_text(c: dict[str, int]) -> str:
    return (
        f"{c['documents']} documents ({c['comparison_pages']} comparison pages, {c['topic_pages']} topic pages), "
        f"{c['duplicates']} duplicates, {c['rejected']} rejected\n"
        f"{c['topics']} topics, {c['comparisons']} comparisons ({c['contested_pairs']} contested pairs), "
        f"{c['related_edges']} related edges, {c['alternative_edges']} alternative edges"
    )


@click.command("export", short_help="Write the graph in one export format, atomically.")
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(sorted(FORMATS)), help="Output format.")
@output_option("File to write ('-' for standard output). Default: the format's file in the out folder.")
@click.option("--base-iri", metavar="IRI", default=None,
              help="RDF formats: base of the data IRIs (default https://w3id.org/pickgraph/); must end with / or #.")
@json_option
@corpus_options(old_o=False)
@pass_state
def export_cmd(state: State, fmt: str, output: str | None, base_iri: str | None, as_json: bool) -> None:
    """Write the graph in one format (atomically: a failed write leaves the old file)."""
    if base_iri and not FORMATS[fmt].rdf:
        raise click.UsageError("--base-iri applies to the RDF formats only")
    if as_json and output == "-":
        raise click.UsageError("--json and -o - both want standard output; choose one")
    options = {"base_iri": base_iri} if base_iri else {}
    G = state.graph()
    if output == "-":
        with tempfile.TemporaryDirectory() as tmp:
            path = export(G, fmt, Path(tmp) / "out", **options)
            sys.stdout.buffer.write(path.read_bytes())
        return
    if output:
        path = export(G, fmt, output, **options)
    else:
        path = Path(state.out) / FORMATS[fmt].file  # a file of the out folder: written under its lock, like a build's
        write_into(state.out, lambda staging: export(G, fmt, staging / path.name, **options), on_wait=state.waiting)
    emit({"path": str(path), "format": fmt}, as_json, lambda d: f"wrote {d['path']}")


commands = [build, export_cmd]
