"""What every command shares: the :class:`State` on the click context (the corpus, the out folder,
the loaded graph and models) and the shared options that write into it.

The command modules import it; :mod:`graph.cli` only assembles the group.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import click
from click.core import ParameterSource

from graph.build.cachefile import CacheDamaged, damaged
from graph.build.record import BuildInputs, cache_path, query_inputs, write_into
from graph.errors import PickgraphError
from graph.kg.graph import find_topic
from graph.query.models import Models, load_models, models_path, save_models
from graph.query.topics import list_topics
from graph.cli.term import COLOR_KEY, JSON_KEY, WIDTH_KEY, echo, resolve_color, warn

if TYPE_CHECKING:
    import networkx as nx
    from graph.build.queryindex import QueryView


@dataclass
class State:
    """What every command shares: where the pages are and where outputs go.

    ``corpus`` is what the user named (``--corpus``, ``PICKGRAPH_CORPUS``);
    when empty, :meth:`inputs` asks the build record what the last build in
    ``out`` read.
    """

    corpus: tuple[str, ...] = ()
    out: str = "exports"
    aliases: str | None = None
    quiet: bool = False
    #: ``out`` came from the command line, so PICKGRAPH_OUT and the default no longer apply
    out_given: bool = False
    #: ``pickgraph`` runs as a process of its own, not under a test's runner: it may then exit at once on Ctrl-C
    as_process: bool = False
    _graph: nx.MultiDiGraph | None = field(default=None, repr=False)
    _models: Models | None = field(default=None, repr=False)
    _view: QueryView | None = field(default=None, repr=False)
    _view_tried: bool = field(default=False, repr=False)

    @property
    def progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()

    def inputs(self) -> BuildInputs:
        """The pages to answer about, the alias file and the size limit: named, else the last build's."""
        if self.corpus:
            return BuildInputs(list(self.corpus), self.aliases)
        last = query_inputs(self.out)
        return last._replace(aliases=self.aliases or last.aliases)

    def view(self) -> QueryView | None:
        """The last build's query index when it is fresh (opened once); ``None``: answer from the whole graph."""
        if not self._view_tried:
            from graph.build.load import open_query_view  # late: load brings the pipeline, which --help does not need

            self._view_tried = True
            paths, aliases, max_bytes = self.inputs()
            self._view = open_query_view(self.out, paths, aliases, max_bytes)
        return self._view

    def graph(self, *topics: str) -> nx.MultiDiGraph:
        """The graph of the corpus, from the cache of the last build when it is fresh.

        With ``topics`` (names, slugs or aliases): a graph that answers about them, made from the
        build's query index when it is fresh (:meth:`graph.build.queryindex.QueryView.graph_for`)
        without reading the whole graph; else the whole graph.
        """
        if topics and self._graph is None and self.view() is not None:
            try:
                return self._view.graph_for(topics)
            except CacheDamaged as exc:  # answered from the graph cache, and the index put back
                echo(damaged(exc), err=True)
                self._view = None
        if self._graph is None:
            from graph.build.load import keep_query_index, load_graph  # late: as in view

            paths, aliases, max_bytes = self.inputs()
            self._graph = load_graph(paths, self.out, aliases, progress=self.progress, max_bytes=max_bytes)
            if self._view_tried and self._view is None:
                keep_query_index(self._graph, self.out, paths, aliases)  # so the next query process reads no whole graph
        return self._graph

    def table_graph(self) -> nx.MultiDiGraph:
        """Every topic's name and labels with the ``topics`` table in ``G.graph["topic_rows"]``, from the
        query index when it is fresh (no topic's record read); else the whole graph."""
        if self._graph is None and self.view() is not None:
            return self._view.table_graph()
        return self.graph()

    def topic_rows(self) -> list[dict[str, Any]]:
        """The ``topics`` table (:func:`graph.query.topics.list_topics`), from the query index when it is fresh."""
        if self._graph is None and self.view() is not None:
            return self._view.topic_rows()
        return list_topics(self.graph())

    def models(self) -> Models:
        """The fit and suggestion index of :meth:`graph`: the ones the build saved, else made (once).

        Answering from the query index, a model the build did not save for this very graph is made
        from the whole graph (loaded then), never from the part of it a query read.
        """
        if self._models is None:
            target = models_path(cache_path(self.out, self.inputs().paths))
            if self._graph is None and self._view is not None:
                whole = self.graph

                class PartModels(Models):
                    def _read(self, name: str):
                        got = super()._read(name)
                        if got is None:
                            self.G = whole()
                        return got

                self._models = PartModels(self._view.G, saved=target)
            else:
                self._models = load_models(self.graph(), target)
        return self._models

    def keep_models(self) -> None:
        """Save the models this command had to make, so that the next query process loads them."""
        new = tuple(n for n in self._models.made() if n not in self._models.loaded) if self._models else ()
        if not new:
            return
        paths = self.inputs().paths
        try:
            write_into(self.out, lambda staging: save_models(self._models, models_path(cache_path(staging, paths)),
                                                             new), wait=False)
        except PickgraphError:
            pass  # busy, read-only or full: the next command makes them again

    @staticmethod
    def waiting(line: str) -> None:
        """Told while another build holds the out folder."""
        echo(line, err=True)

    def topic(self, query: str) -> str:
        return find_topic(self._view.G if self._graph is None and self._view is not None else self.graph(), query)


pass_state = click.make_pass_decorator(State, ensure=True)


# ---------------------------------------------------------------- options --
# Each option writes into the shared State or ctx.meta through a callback, so the group's
# spelling (`pickgraph --out D show X`) and the command's (`pickgraph show X --out D`) agree,
# and shell completion, which runs no command, still learns them.

def leave(code: int) -> NoReturn:
    """End the ``pickgraph`` process itself now, with exit status ``code`` and its output flushed.

    Nothing is freed object by object and no collection runs at exit: after a build the
    process holds the graph's millions of objects, and walking them once more only delays
    the end of a build that is done (docs/performance.md, "Cold build, profiled"), or of a
    Ctrl-C that should end it within a moment. Only for :attr:`State.as_process`: a test's
    runner goes on after the command.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def set_out(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    state = ctx.ensure_object(State)
    given = ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
    if given or not state.out_given:  # the command line beats PICKGRAPH_OUT and the default
        state.out, state.out_given = value, state.out_given or given


def _old_out(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        warn("'-o DIR' for the out folder is deprecated: write '--out DIR' (-o names an output file)")
        set_out(ctx, param, value)


def set_corpus(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        ctx.ensure_object(State).corpus = value


#: The hidden old spelling of --out; not on export and view, where -o is the output file.
old_out_option = click.option("-o", "old_out", hidden=True, expose_value=False, callback=_old_out,
                              type=click.Path(file_okay=False))


def out_option(f: Callable | None = None, *, old_o: bool = True) -> Callable:
    """``--out`` on a command, overriding the group's; ``old_o``: also the deprecated ``-o DIR``
    (off where ``-o`` is the output file)."""

    def decorate(f: Callable) -> Callable:
        f = click.option("--out", "out_dir", expose_value=False, callback=set_out, type=click.Path(file_okay=False),
                         help="Folder of exports and of the build cache. Default: exports/.")(f)
        return old_out_option(f) if old_o else f

    return decorate(f) if f is not None else decorate


def corpus_options(f: Callable | None = None, *, old_o: bool = True) -> Callable:
    """``--corpus`` and ``--out`` on a query command, overriding the group's."""

    def decorate(f: Callable) -> Callable:
        f = click.option("--corpus", "-c", multiple=True, expose_value=False, callback=set_corpus,
                         type=click.Path(exists=True), help="Pages to query (file or folder; repeatable). Default: "
                         "those of the last build in the out folder.")(f)
        return out_option(f, old_o=old_o)

    return decorate(f) if f is not None else decorate


def output_option(what: str) -> Callable:
    """``-o/--output FILE`` (the file a command writes), with ``-O`` kept as its deprecated spelling."""

    def old(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            warn("'-O FILE' is deprecated: write '-o FILE' (or --output FILE)")
            ctx.meta[_OLD_OUTPUT] = value

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        value = value if value is not None else ctx.meta.pop(_OLD_OUTPUT, None)
        if value is not None and value != "-" and os.path.isdir(value):
            raise click.BadParameter(f"{value} is a folder: -o/--output names the file to write; "
                                     "name the out folder with --out DIR", ctx, param)
        return value

    def decorate(f: Callable) -> Callable:
        f = click.option("-O", "old_output", hidden=True, expose_value=False, callback=old,
                         type=click.Path())(f)
        return click.option("--output", "-o", "output", type=click.Path(), callback=check, metavar="FILE",
                            help=what)(f)

    return decorate


_OLD_OUTPUT = "pickgraph.old-output"


def _note_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_KEY] = True
        ctx.color = False
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_note_json,
                           help="Print JSON (schemas in docs/json.md) instead of text; an error too, as {error, "
                                "exit_code, kind, …} on standard output, with the same exit status.")


def _set_width(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta[WIDTH_KEY] = value


width_option = click.option("--width", "-w", type=click.IntRange(0), expose_value=False, callback=_set_width,
                            metavar="N", help="Fit text to N columns (0: no limit). Default: COLUMNS, else the "
                                              "terminal's width; piped output is not cut.")


def _set_color(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        ctx.meta[COLOR_KEY] = value
    ctx.color = resolve_color(ctx.meta.get(COLOR_KEY), bool(ctx.meta.get(JSON_KEY)))


def color_option(f: Callable) -> Callable:
    return click.option("--color/--no-color", "color", default=None, expose_value=False, callback=_set_color,
                        help="Colour the text (errors red, picks bold, rejections yellow). Default: on a "
                             "terminal, unless NO_COLOR is set.")(f)
