"""mkdocs hook: the notebooks in ``examples/`` become the site's tutorials.

Each ``examples/NN_name.ipynb`` is added to the site as the page ``examples/NN_name/``, read
straight from where it lives (no copy in ``docs/`` to drift), before mkdocs-jupyter turns
notebooks into pages — hence the higher event priority.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


@event_priority(100)  # mkdocs-jupyter wraps notebooks in its on_files at the default, 0
def on_files(files: Files, config: Any) -> Files:
    """mkdocs event: add every ``examples/*.ipynb`` as a page."""
    # A real file (not File.generated): mkdocs-jupyter's wrapper recomputes abs_src_path
    # from src_dir + src_uri, which a generated file does not have.
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        files.append(File(f"examples/{notebook.name}", str(ROOT), config["site_dir"],
                          config["use_directory_urls"]))
    return files
