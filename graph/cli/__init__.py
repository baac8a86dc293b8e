"""The ``pickgraph`` command line: a thin layer that parses arguments and calls
library functions. Shared state (the corpus, the output folder, the loaded
graph) travels in a :class:`State` object on the click context.

One module per command family: :mod:`.core` (build, topics, show, export),
:mod:`.queries` (compare, suggest, why, evaluate), :mod:`.rdf` (sparql, push),
:mod:`.html` (view), :mod:`.identity` (identity).
"""

from __future__ import annotations

import errno
import json
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import click
import networkx as nx

from .. import __version__
from ..read.model import EXIT_INTERRUPTED, EXIT_WRITE, PickgraphError, UnknownTopic

#: OS errors that mean "cannot write here" (exit 3) rather than a bad input (exit 1)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}

if TYPE_CHECKING:
    from ..pipeline import BuildInputs

@dataclass
class State:
    """What every command shares: where the pages are and where outputs go.

    ``corpus`` is what the user named (``--corpus``, ``PICKGRAPH_CORPUS``);
    when empty, :meth:`inputs` asks the pipeline what the last build in
    ``out`` read.
    """

    corpus: tuple[str, ...] = ()
    out: str = "exports"
    aliases: str | None = None
    quiet: bool = False
    _graph: nx.MultiDiGraph | None = field(default=None, repr=False)

    @property
    def progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()

    def inputs(self) -> BuildInputs:
        """The pages to answer about, the alias file and the size limit: named, else the last build's."""
        from ..pipeline import BuildInputs, query_inputs

        if self.corpus:
            return BuildInputs(list(self.corpus), self.aliases)
        last = query_inputs(self.out)
        return last._replace(aliases=self.aliases or last.aliases)

    def graph(self) -> nx.MultiDiGraph:
        """The graph of the corpus, from the cache of the last build when it is fresh."""
        if self._graph is None:
            from ..pipeline import load_graph

            paths, aliases, max_bytes = self.inputs()
            self._graph = load_graph(paths, self.out, aliases, progress=self.progress, max_bytes=max_bytes)
        return self._graph

    @staticmethod
    def waiting(line: str) -> None:
        """Told while another build holds the out folder."""
        click.echo(line, err=True)

    def topic(self, query: str) -> str:
        from ..kg import find_topic

        return find_topic(self.graph(), query)


pass_state = click.make_pass_decorator(State, ensure=True)


#: True while ``pickgraph`` runs as a process of its own (it may then exit at once on Ctrl-C)
AS_PROCESS = False


class PickgraphGroup(click.Group):
    """Turns the library's own errors into clean ``Error: …`` lines with their exit status, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        global AS_PROCESS
        AS_PROCESS = not args and "args" not in kwargs  # the command line, not a test's runner
        try:
            return super().main(*args, **kwargs)
        except SystemExit as exc:
            if exc.code == EXIT_INTERRUPTED and AS_PROCESS:
                # the pickgraph process itself (not a test's runner): stop now, without freeing a
                # big graph object by object, so Ctrl-C ends a build within a moment
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(EXIT_INTERRUPTED)
            raise
        finally:
            AS_PROCESS = False

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnknownTopic as exc:
            raise _Failed(f"{exc}. List topics with 'pickgraph topics'.", exc.exit_code) from None
        except PickgraphError as exc:
            raise _Failed(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise _Failed("interrupted", EXIT_INTERRUPTED) from None
        except BrokenPipeError:  # `pickgraph topics | head`
            sys.stderr.close()
            ctx.exit(0)
        except OSError as exc:
            # the safety net under the library's own errors: one line naming the file, never a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            raise _Failed(f"{where}{exc.strerror or exc}", EXIT_WRITE if exc.errno in _WRITE_ERRNOS else 1) from None


class _Failed(click.ClickException):
    """``Error: …`` on stderr with the exit status the library error names."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def out_option(f: Callable) -> Callable:
    """``--out`` on a command, overriding the group's."""

    def set_out(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            ctx.ensure_object(State).out = value

    return click.option("--out", "-o", "out_dir", expose_value=False, callback=set_out,
                        type=click.Path(file_okay=False),
                        help="Folder of exports and of the build cache. Default: exports/.")(f)


def corpus_options(f: Callable) -> Callable:
    """``--corpus`` and ``--out`` on a query command, overriding the group's."""

    def set_corpus(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
        if value:
            ctx.ensure_object(State).corpus = value

    f = click.option("--corpus", "-c", multiple=True, expose_value=False, callback=set_corpus,
                     type=click.Path(exists=True), help="Pages to query (file or folder; repeatable). Default: those of the last build in the out "
                          "folder.")(f)
    return out_option(f)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (schema in the README) instead of text.")


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON or through ``text``."""
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(text(data))


@click.group(cls=PickgraphGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pickgraph")
@click.option("--corpus", "-c", multiple=True, type=click.Path(exists=True), envvar="PICKGRAPH_CORPUS",
              help="Pages to work on (file or folder, repeatable; env PICKGRAPH_CORPUS). Default: what the last "
                   "build in the out folder read (build: data/).")
@click.option("--out", "-o", "out_dir", default="exports", show_default=True, envvar="PICKGRAPH_OUT",
              type=click.Path(file_okay=False), help="Folder for exports and the build cache.")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False),
              help="Alias file (TOML). Default: aliases.toml at the top of an input folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def main(ctx: click.Context, corpus: tuple[str, ...], out_dir: str, aliases: str | None, quiet: bool) -> None:
    """pickgraph: a knowledge graph of technology topics from "A vs B" comparison pages.

    \b
    Typical session:
      pickgraph build data/            read the pages, write exports/
      pickgraph show PostgreSQL        one topic: comparisons, pros, related topics
      pickgraph compare Go Rust        direct or derived comparison, with evidence
      pickgraph suggest Django         "you might also compare", with reasons
      pickgraph why React Vue          why the pick won
      pickgraph sparql @query.rq       SPARQL over the exported triples

    Query commands answer about the pages the last build in the out folder read
    (its record: OUT/pickgraph-build.json), from its cache, rebuilt when any page
    changed; --corpus names other pages.
    """
    state = ctx.ensure_object(State)
    if corpus:
        state.corpus = corpus
    state.out = out_dir
    state.aliases = aliases
    state.quiet = quiet or bool(os.environ.get("PICKGRAPH_QUIET"))


from . import core, html, identity, queries, rdf  # noqa: E402

for _module in (core, queries, identity, rdf, html):
    for _command in _module.commands:
        main.add_command(_command)
