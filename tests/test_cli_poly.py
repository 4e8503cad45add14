"""``neuralab polyfit`` end to end (typer's CliRunner, in a temporary folder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neuralab import poly
from neuralab.cli import app
from neuralab.data import runners


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["polyfit", *args], input=stdin)


def test_runners_by_default() -> None:
    result = invoke()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "runners" in out and "8 points, degree 3" in out
    assert poly.fit(*runners(), 3).equation() in out
    for coef in poly.fit(*runners(), 3).coefficients:
        assert repr(float(coef)) in out  # full precision in the coefficient table
    for label in ("r²", "adjusted r²", "√(SSE/(n−d−1))", "PolySolve", "RMSE"):
        assert label in out


def test_select_picks_degree_3_and_plots(tmp_path: Path) -> None:
    result = invoke("--select", "0:8", "--plot", "fit.png")
    assert result.exit_code == 0, result.output
    assert "best degree by leave-one-out: 3" in result.output
    assert "8 points, degree 3" in result.output  # no --degree: the winner is fitted
    assert "← best" in result.output
    png = (tmp_path / "fit.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_explicit_degree_with_penalties_code_and_table() -> None:
    result = invoke("--degree", "6", "--l2", "0.01", "--code", "c", "--table", "10:60:10",
                    "--decimals", "2")
    assert result.exit_code == 0, result.output
    fit = poly.fit(*runners(), 6, l2=0.01)
    assert "degree 6, l2=0.01" in result.output
    assert fit.to_code("c") in result.output
    assert fit.table(10, 60, 10, 2) in result.output


@pytest.mark.parametrize("lang", ["python", "javascript", "java"])
def test_code_languages(lang: str) -> None:
    result = invoke("--degree", "2", "--code", lang)
    assert result.exit_code == 0, result.output
    assert poly.fit(*runners(), 2).to_code(lang) in result.output


def test_data_file_with_comments_commas_and_tabs(tmp_path: Path) -> None:
    x = np.linspace(-2, 3, 12).tolist()
    lines = ["# x, y", ""] + [f"{a!r},\t{1 - 2 * a + 0.5 * a * a!r}  # point" for a in x]
    (tmp_path / "data.txt").write_text("\n".join(lines) + "\n")
    result = invoke("data.txt", "--degree", "2", "--select", "0:4", "--cv", "3",
                    "--plot", "out.png")
    assert result.exit_code == 0, result.output
    assert "data.txt" in result.output and "12 points, degree 2" in result.output
    assert "3-fold" in result.output
    assert "y = 1 - 2·x + 0.5·x^2" in result.output
    assert (tmp_path / "out.png").is_file()


def test_stdin() -> None:
    result = invoke("-", "--degree", "1", stdin="0 1\n1 3\n2 5\n")
    assert result.exit_code == 0, result.output
    assert "stdin" in result.output and "y = 1 + 2·x" in result.output


@pytest.mark.parametrize(("args", "pieces"), [
    (["--degree", "21"], ["degree=21 is out of range; allowed: integers in [0, 20]"]),
    (["--degree", "-1"], ["degree=-1"]),
    (["--l2", "-1"], ["l2=-1.0 is out of range; allowed: [0, inf)"]),
    (["--l1", "-0.5"], ["l1=-0.5"]),
    (["--degree", "8"], ["degree=8", "at least 9 points"]),
    (["--select", "a:b"], ["select='a:b'"]),
    (["--select", "0:30"], ["degree=21"]),
    (["--select", "0:4", "--cv", "nine"], ["cv='nine'"]),
    (["--select", "0:4", "--cv", "1"], ["cv=1"]),
    (["--table", "10:60"], ["table='10:60'"]),
    (["--table", "10:60:0"], ["step=0"]),
    (["--decimals", "30", "--table", "0:1:1"], ["decimals=30"]),
    (["--code", "rust"], ["lang='rust'", "python, javascript, c, java"]),
    (["missing.txt"], ["missing.txt", "no such file"]),
])
def test_bad_options_are_one_red_line_and_status_2(args: list[str], pieces: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for piece in pieces:
        assert piece in lines[0]


@pytest.mark.parametrize(("text", "pieces"), [
    ("1 2\n2 3\n3 abc\n4 5\n", ["bad.txt", "line 3", "'3 abc'", "not a number"]),
    ("1 2\n2 nan\n", ["line 2", "not finite"]),
    ("1 2\n1 2.5\n2 3\n2 3.5\n", ["distinct x values", "got 2"]),
    ("1 2\n2 3\n", ["degree=3 needs at least 4 points", "got 2"]),
    ("# only a comment\n", ["no data points"]),
])
def test_bad_data_files(tmp_path: Path, text: str, pieces: list[str]) -> None:
    (tmp_path / "bad.txt").write_text(text)
    result = invoke("bad.txt")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for piece in pieces:
        assert piece in lines[0]


def test_directory_and_binary_files_are_clean_errors(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00\x81" * 10)
    for name, piece in (("folder", "no such file"), ("blob.bin", "not UTF-8 text")):
        result = invoke(name)
        assert result.exit_code == 2 and piece in result.output, result.output


def test_help_lists_polyfit() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0 and "polyfit" in result.output
    result = invoke("--help")
    assert result.exit_code == 0 and "--select" in result.output
