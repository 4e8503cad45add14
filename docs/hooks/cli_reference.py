"""mkdocs hook: the CLI reference page, written from the real ``neuralab`` command.

``docs/cli.md`` holds the marker ``<!-- neuralab-cli-reference -->``; at build time it is
replaced by one section per command (usage, help, and a table of its arguments and options),
read from the Click command tree that Typer builds. The page cannot drift from the CLI: a
new option appears on the next build.
"""

from __future__ import annotations

import inspect
from typing import Any

MARKER = "<!-- neuralab-cli-reference -->"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (``|`` splits cells, ``<x>`` would be HTML)."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _params(command: Any, ctx: Any) -> list[str]:
    """One table row per argument and option, as ``--help`` shows them."""
    from neuralab.cli.errors import unverbatim

    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or getattr(param, "hidden", False) or param.name == "help":
            continue
        names, help_text = record
        help_text = unverbatim(help_text)  # help written for Rich's markup, as plain text
        kind = "argument" if param.param_type_name == "argument" else "option"
        rows.append(f"| `{names}` | {kind} | {_cell(help_text)} |")
    if not rows:
        return []
    return ["| name | kind | description |", "|---|---|---|", *rows, ""]


def _help_markdown(text: str) -> list[str]:
    """A command's help as Markdown: its indented example lines (``  neuralab train ...``,
    each its own paragraph in Click's format) become one fenced block."""
    text = inspect.cleandoc(text).split("\f")[0]  # Click hides what follows \f
    out: list[str] = []
    block: list[str] = []
    for para in text.split("\n\n"):
        if para.strip() and all(line.startswith("  ") for line in para.splitlines()):
            block += [line.strip() for line in para.splitlines()]
            continue
        if block:
            out += ["```text", *block, "```", ""]
            block = []
        if para.strip():
            out += [" ".join(para.split()), ""]
    if block:
        out += ["```text", *block, "```", ""]
    return out


def _render(command: Any, path: list[str], parent: Any = None) -> list[str]:
    # Duck-typed Click objects: recent Typer versions ship their own copy of Click.
    ctx = command.context_class(command, info_name=path[-1], parent=parent)
    title = " ".join(path)
    level = "#" * min(len(path) + 1, 4)
    lines = [f"{level} `{title}`", ""]
    pieces = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```text", f"{title} {pieces}".rstrip(), "```", ""]
    lines += _help_markdown(command.help or "")
    lines += _params(command, ctx)
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                lines += _render(sub, [*path, name], ctx)
    return lines


def render() -> str:
    """The whole CLI reference as Markdown."""
    import typer.main

    from neuralab.cli import app

    return "\n".join(_render(typer.main.get_command(app), ["neuralab"]))


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """mkdocs event: fill the marker with the generated reference."""
    if MARKER in markdown:
        return markdown.replace(MARKER, render())
    return markdown
