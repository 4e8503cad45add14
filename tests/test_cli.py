"""The ``neuralab`` command and the promise that importing neuralab stays light."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from neuralab.__main__ import app


def test_demo_learns_the_spiral() -> None:
    result = CliRunner().invoke(app, ["demo", "--epochs", "60"])
    assert result.exit_code == 0, result.output
    final = float(result.output.strip().splitlines()[-1].split(":")[1].split()[0])
    assert final > 0.9  # a linear model cannot beat ~0.5 on three spiral arms


def test_bad_option_is_one_line_and_exit_status_2() -> None:
    result = CliRunner().invoke(app, ["demo", "--epochs", "0"])
    assert result.exit_code == 2
    assert "epochs" in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("neuralab ")


def test_import_does_not_pull_heavy_dependencies() -> None:
    code = (
        "import sys, neuralab, neuralab.nn, neuralab.losses, neuralab.optim, "
        "neuralab.regularizers, neuralab.__main__\n"
        "heavy = {'torch', 'matplotlib', 'fastapi', 'sklearn', 'PIL', 'cupy'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
