"""How a command that fails says so: one ``Error: …`` line on standard error, or, under ``--json``,
one JSON object on standard output. The exit status is the same either way.

The object is ``{"error": message, "exit_code": N, "kind": snake_case_name, …}`` plus the
error's own fields: ``query`` and ``suggestions`` of an unknown topic, ``path`` and ``reason``
of a write that failed, ``usage``, ``command`` and ``param`` (or ``option`` and ``suggestions``)
of a usage error.
"""

from __future__ import annotations

from typing import Any

import click

from graph.errors import EXIT_INTERRUPTED, error_body, kind_of
from graph.cli.term import COLOR_KEY, echo, error_label, json_text, printable, resolve_color

def wants_json(args: list[str]) -> bool:
    """Whether the command line asks for JSON: ``--json`` before any ``--``.

    Read from the words themselves, so that an error found while click parses them
    (an unknown option, a missing argument) is JSON too.
    """
    words = args[: args.index("--")] if "--" in args else args
    return "--json" in words


def click_fields(exc: click.ClickException) -> dict[str, Any]:
    """What a script needs to fix a usage error: the usage line, the option, the close spellings."""
    fields: dict[str, Any] = {}
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        fields["command"] = ctx.command_path
        fields["usage"] = ctx.get_usage()
    param = getattr(exc, "param", None)
    if param is not None:
        fields["param"] = param.opts[0] if getattr(param, "opts", None) else param.name
    if isinstance(exc, click.NoSuchOption):
        fields["option"] = exc.option_name
        fields["suggestions"] = sorted(exc.possibilities or [])
    if isinstance(exc, click.FileError):
        fields["path"] = exc.filename
    return fields


class Reported(click.ClickException):
    """An error on its way out: printed as text or JSON by :meth:`show`, exit status kept."""

    def __init__(self, message: str, exit_code: int, kind: str, fields: dict[str, Any] | None = None,
                 as_json: bool = False, ctx: click.Context | None = None, usage: bool = False, hint: str = ""):
        super().__init__(message)
        self.hint = hint  # advice for a reader of the text line only (a script reads ``kind``)
        self.exit_code = exit_code
        self.kind = kind
        self.fields = fields or {}
        self.as_json = as_json
        self.ctx = ctx
        self.usage = usage

    @classmethod
    def from_click(cls, exc: click.ClickException, as_json: bool) -> Reported:
        if isinstance(exc, Reported):
            return exc
        ctx = getattr(exc, "ctx", None)
        return cls(exc.format_message(), exc.exit_code, kind_of(exc), click_fields(exc), as_json, ctx,
                   usage=isinstance(exc, click.UsageError))

    @classmethod
    def from_library(cls, exc: BaseException, as_json: bool, ctx: click.Context | None = None,
                     message: str | None = None, exit_code: int | None = None, hint: str = "") -> Reported:
        body = error_body(exc, message=message, exit_code=exit_code)
        return cls(body.pop("error"), body.pop("exit_code"), body.pop("kind"), body, as_json, ctx, hint=hint)

    @classmethod
    def interrupted(cls, as_json: bool, ctx: click.Context | None = None) -> Reported:
        return cls("interrupted", EXIT_INTERRUPTED, "interrupted", {}, as_json, ctx)

    def payload(self) -> dict[str, Any]:
        return error_body(message=self.message, exit_code=self.exit_code, kind=self.kind, fields=self.fields)

    def show(self, file: Any = None) -> None:
        if self.as_json:
            echo(json_text(self.payload()))
            return
        # the colour flags of the whole command line (the context that failed may not have read them all)
        color = resolve_color(self.ctx.meta.get(COLOR_KEY) if self.ctx is not None else None)
        if self.usage and self.ctx is not None:
            echo(f"{self.ctx.get_usage()}\nTry '{self.ctx.command_path} --help' for help.\n", err=True,
                 color=color)
        # one line whatever the message echoes (a file name, a page's text, a server's reply)
        echo(f"{error_label()} {printable(self.message + self.hint)}", err=True, color=color)


__all__ = ["Reported", "wants_json", "click_fields"]
