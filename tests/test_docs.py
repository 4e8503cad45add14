"""The documentation site's sources: the generated CLI reference covers the real command, and
mkdocs.yml's navigation matches the notebooks and API pages on disk. (`make docs` builds the
site itself with --strict; these checks need no mkdocs.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MKDOCS_YML = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cli_reference() -> Any:
    spec = importlib.util.spec_from_file_location("cli_reference",
                                                  DOCS / "hooks" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _walk(command: Any, path: list[str], parent: Any = None):
    """(path, command, ctx) for the command and every subcommand, depth first."""
    ctx = command.context_class(command, info_name=path[-1], parent=parent)
    yield path, command, ctx
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), [*path, name], ctx)


def test_cli_reference_documents_every_command_and_option(cli_reference):
    import typer.main

    from neuralab.cli import app

    page = cli_reference.render()
    commands = list(_walk(typer.main.get_command(app), ["neuralab"]))
    assert len(commands) >= 8  # train, eval, predict, polyfit, demo, playground, data ...
    for path, command, ctx in commands:
        title = " ".join(path)
        assert re.search(rf"^#+ `{re.escape(title)}`$", page, re.M), title
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or param.name == "help" or getattr(param, "hidden", False):
                continue
            assert f"`{record[0]}`" in page, f"{title}: {record[0]} is missing"


def test_cli_reference_markdown_is_safe(cli_reference):
    page = cli_reference.render()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows
    for row in rows:
        # exactly 3 cells: a '|' inside a description (e.g. "linear | mlp") must be escaped
        assert len(re.findall(r"(?<!\\)\|", row)) == 4, row
    assert "<data>" not in page  # would be swallowed as an HTML tag
    fences = page.count("```")
    assert fences % 2 == 0


def test_cli_page_has_the_marker_and_the_hook_fills_it(cli_reference):
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert cli_reference.MARKER in text
    filled = cli_reference.on_page_markdown(text, None, None, None)
    assert cli_reference.MARKER not in filled and "## `neuralab`" in filled
    assert cli_reference.on_page_markdown("# other", None, None, None) == "# other"


def test_navigation_lists_every_notebook_and_api_page():
    notebooks = sorted(p.name for p in (ROOT / "examples").glob("*.ipynb"))
    assert notebooks
    listed = re.findall(r"examples/(\w+\.ipynb)", MKDOCS_YML)
    assert listed == notebooks
    api_pages = sorted(p.name for p in (DOCS / "api").glob("*.md"))
    assert sorted(re.findall(r"api/(\w+\.md)", MKDOCS_YML)) == api_pages
    for page in ("index.md", "cli.md"):
        assert (DOCS / page).is_file()
    assert "docs/hooks/notebooks.py" in MKDOCS_YML and "docs/hooks/cli_reference.py" in MKDOCS_YML


def test_api_pages_name_importable_modules():
    import importlib

    for page in (DOCS / "api").glob("*.md"):
        for module in re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), re.M):
            importlib.import_module(module)


def test_site_builds_offline():
    """No plugin that fetches at build time (mkdocs-material's social and privacy plugins
    download fonts and images), and the theme asks no font server."""
    plugins = MKDOCS_YML.split("plugins:")[1].split("markdown_extensions:")[0]
    assert "social" not in plugins and "privacy" not in plugins
    assert re.search(r"^\s+font: false", MKDOCS_YML, re.M)


def test_internal_links_of_the_home_page_exist():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if target.startswith("examples/"):
            assert (ROOT / target).is_file(), target
        else:
            assert (DOCS / target).is_file(), target
