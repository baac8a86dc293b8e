"""The ``pickgraph`` command line: a thin layer that parses arguments and calls
library functions. Shared state (the corpus, the output folder, the loaded
graph) travels in a :class:`~.state.State` object on the click context; this
module only assembles the group.

One module per command family: :mod:`.core` (build, export), :mod:`.queries`
(topics, show, compare, why, suggest), :mod:`.evaluate` (evaluate, generate),
:mod:`.rdf` (sparql, push), :mod:`.view` (view), :mod:`.identity` (identity),
:mod:`.serve` (serve).
"""

from __future__ import annotations

import errno
import os
import sys
from importlib import import_module
from typing import Any

import click

from graph.version import __version__
from graph.build.progress import show as show_progress
from graph.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_WRITE, PickgraphError, UnknownTopic
from graph.cli.errors import Reported, wants_json
from graph.cli.state import State, color_option, leave, old_out_option, set_corpus, set_out, width_option
from graph.cli.term import JSON_KEY

#: OS errors that mean "cannot write here" (exit 3) rather than a bad input (exit 1)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}


_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())


#: Where each command is defined (a module of :mod:`graph.cli` with a ``commands`` list). A module is
#: imported when one of its commands runs (or help lists them all): a query command then imports
#: neither the build, nor rdflib, nor the server (docs/performance.md, "Start-up").
COMMANDS = {
    "build": "core", "export": "core",
    "topics": "queries", "show": "queries", "compare": "queries", "suggest": "queries", "why": "queries",
    "evaluate": "evaluate", "generate": "evaluate",
    "identity": "identity", "sparql": "rdf", "push": "rdf", "view": "view", "serve": "serve",
}


class PickgraphGroup(click.Group):
    """Every failure leaves through :class:`~.errors.Reported`: one ``Error: …`` line, or a JSON
    object under ``--json``, with the exit status the error names; never a traceback.

    Commands load on first use, from the module :data:`COMMANDS` names (click's "lazily loading
    subcommands" pattern).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self._load(COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def _load(self, module_name: str) -> None:
        """Every command of one module, with --color/--no-color added, registered once."""
        for command in import_module(f"graph.cli.{module_name}").commands:
            if command.name not in self.commands:
                color_option(command)
                self.add_command(command)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        as_process = not args and "args" not in kwargs  # the command line, not a test's runner
        kwargs.setdefault("obj", State(as_process=as_process))
        try:
            return super().main(*args, **kwargs)
        except SystemExit as exc:
            if exc.code == EXIT_INTERRUPTED and as_process:
                leave(EXIT_INTERRUPTED)  # the pickgraph process itself: Ctrl-C ends a build within a moment
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[JSON_KEY] = wants_json(args)  # before click reads a word, so its usage errors know
        try:
            return super().parse_args(ctx, args)
        except _NoArgsIsHelp:
            raise
        except click.ClickException as exc:
            raise Reported.from_click(exc, ctx.meta[JSON_KEY]) from None

    def invoke(self, ctx: click.Context) -> Any:
        as_json = lambda: bool(ctx.meta.get(JSON_KEY))  # noqa: E731 -- the command's --json is read late
        try:
            return super().invoke(ctx)
        except Reported:
            raise
        except UnknownTopic as exc:
            stop = "" if str(exc).endswith("?") else "."
            raise Reported.from_library(exc, as_json(), ctx, hint=f"{stop} List topics with 'pickgraph topics'.") \
                from None
        except PickgraphError as exc:
            raise Reported.from_library(exc, as_json(), ctx) from None
        except _NoArgsIsHelp:
            raise
        except click.ClickException as exc:
            raise Reported.from_click(exc, as_json()) from None
        except KeyboardInterrupt:
            click.echo(err=True)  # end the line the terminal's ^C is on
            raise Reported.interrupted(as_json(), ctx) from None
        except BrokenPipeError:  # `pickgraph topics | head`
            sys.stderr.close()
            ctx.exit(0)
        except OSError as exc:
            # the safety net under the library's own errors: one line naming the file, never a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            raise Reported.from_library(exc, as_json(), ctx, message=f"{where}{exc.strerror or exc}",
                                        exit_code=EXIT_WRITE if exc.errno in _WRITE_ERRNOS else EXIT_ERROR) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list with each summary whole (click cuts them to one line with "...")."""
        rows = [(name, cmd.get_short_help_str(limit=10_000)) for name, cmd in
                ((n, self.get_command(ctx, n)) for n in self.list_commands(ctx)) if cmd and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=PickgraphGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Each command has --help. Exit status: 0 done, 1 error, 2 usage, 3 write failed, 4 busy, "
                    "5 timed out, 130 interrupted (docs/cli.md).")
@click.version_option(__version__, prog_name="pickgraph")
@click.option("--corpus", "-c", multiple=True, type=click.Path(exists=True), envvar="PICKGRAPH_CORPUS",
              expose_value=False, callback=set_corpus,
              help="Pages to work on (file or folder, repeatable; env PICKGRAPH_CORPUS). Default: what the last "
                   "build in the out folder read (build: data/).")
@click.option("--out", "out_dir", default="exports", show_default=True, envvar="PICKGRAPH_OUT", expose_value=False,
              callback=set_out, type=click.Path(file_okay=False), help="Folder for exports and the build cache.")
@old_out_option
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False),
              help="Alias file (TOML). Default: aliases.toml at the top of an input folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@width_option
@color_option
@click.pass_context
def main(ctx: click.Context, aliases: str | None, quiet: bool) -> None:
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
    state.aliases = aliases
    state.quiet = quiet or bool(os.environ.get("PICKGRAPH_QUIET"))
    show_progress(state.progress)
