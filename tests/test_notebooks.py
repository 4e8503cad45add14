"""The lecture notebooks in examples/: each is clean (no stored outputs), draws only through
neuralab.viz, and runs top to bottom without an error in a fresh kernel of this interpreter.

MNIST cells run when ``../shared/data/mnist`` (or ``$NEURALAB_MNIST``) holds MNIST files and
print that they skipped otherwise. Notebooks 01 and 04 train on CIFAR-10 when
``$NEURALAB_CIFAR10`` (here: set to ``../shared/data/cifar10`` when that exists) names a CIFAR-10
folder, and on the digits otherwise.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
PARTS = ["01_linear_classifier", "02_svm_vs_softmax", "03_regularization", "04_features",
         "05_neural_networks"]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
SHARED_CIFAR10 = ROOT.parent / "shared" / "data" / "cifar10"


def code_cells(path: Path) -> list[str]:
    book = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]


def test_one_notebook_per_part_of_the_lecture():
    assert [p.stem for p in NOTEBOOKS] == PARTS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path: Path):
    book = json.loads(path.read_text(encoding="utf-8"))
    assert book["metadata"]["kernelspec"]["name"] == "python3"
    for cell in book["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], "outputs are stored: clear them before committing"
            assert cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_plot_comes_from_neuralab_viz(path: Path):
    source = "\n".join(code_cells(path))
    assert not re.search(r"\bmatplotlib\b|\bplt\.|\bseaborn\b|\.plot\(|\.imshow\(", source)
    assert len(re.findall(r"\bviz\.plot_\w+\(", source)) >= 4
    used = set(re.findall(r"\bviz\.(\w+)", source))
    from neuralab import viz

    assert used <= set(viz.__all__), f"not in neuralab.viz: {used - set(viz.__all__)}"


@pytest.fixture(scope="module")
def kernel_spec(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    """A kernelspec for *this* interpreter, so that the notebooks import the neuralab under
    test even if the user has another ``python3`` kernel installed."""
    pytest.importorskip("nbclient", reason="executing notebooks needs nbclient (test extra)")
    pytest.importorskip("ipykernel", reason="executing notebooks needs ipykernel (test extra)")
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = tmp_path_factory.mktemp("kernels") / "neuralab-tests"
    spec_dir.mkdir()
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "neuralab tests", "language": "python",
    }))
    manager = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
    return "neuralab-tests", manager


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, kernel_spec, monkeypatch: pytest.MonkeyPatch):
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    if "NEURALAB_MNIST" not in os.environ and SHARED_MNIST.is_dir():
        monkeypatch.setenv("NEURALAB_MNIST", str(SHARED_MNIST))
    if "NEURALAB_CIFAR10" not in os.environ and SHARED_CIFAR10.is_dir():
        monkeypatch.setenv("NEURALAB_CIFAR10", str(SHARED_CIFAR10))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    name, specs = kernel_spec
    book = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=name, kernel_spec_manager=specs)
    client = NotebookClient(book, km=km, timeout=120, allow_errors=False,
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    images = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "the notebook's figures did not reach the notebook"
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
