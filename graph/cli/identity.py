"""``identity``: which names were merged into one topic, and which might be."""

from __future__ import annotations

import click

from graph.kg.identity_lint import identity_report
from graph.cli.state import State, pass_state, corpus_options, json_option, width_option
from graph.cli.term import emit

@click.command(short_help="Explain merged names and list likely duplicate topics.",
               epilog="Next: edit the alias file, then pickgraph build again.")
@click.option("--limit", "-n", type=click.IntRange(0), default=30, show_default=True,
              help="How many likely duplicates to list (0: all).")
@json_option
@width_option
@corpus_options
@pass_state
def identity(state: State, limit: int, as_json: bool) -> None:
    """Explain each merge of names into one topic and list likely duplicates that were not merged.

    Curate the alias file (aliases.toml at the top of the corpus folder) from this list:

    \b
      [aliases]
      apache-kafka = ["kafka"]          # merge these into one topic
      [keep_apart]
      pairs = [["java", "javascript"]]  # never merge these
    """
    emit(identity_report(state.graph(), limit), as_json, _text)


def _text(r) -> str:
    out = [f"Merges ({len(r['merges'])}):"]
    for m in r["merges"]:
        arrow = f"{m['slug']} → {m['into']}" if m["slug"] != m["into"] else m["into"]
        out.append(f"  [{m['rule']}] {arrow}: {m['evidence']}")
    if r["kept_apart"]:
        out.append(f"Kept apart by the alias file ({len(r['kept_apart'])}):")
        out += [f"  {k['a']} / {k['b']}: {k['reason']}" for k in r["kept_apart"]]
    dups = r["likely_duplicates"]
    out.append(f"Likely duplicates not merged ({len(dups)}):" if dups else "No likely duplicates left unmerged.")
    for c in dups:
        out.append(f"  {c['score']:.2f}  {c['names'][0]} ({c['a']}) ~ {c['names'][1]} ({c['b']}): {'; '.join(c['reasons'])}")
    return "\n".join(out)


commands = [identity]
