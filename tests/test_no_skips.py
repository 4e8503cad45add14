"""``NEURALAB_NO_SKIPS=1`` (set by ``.ci/run``): a skipped test fails the run, unless it is a GPU
test (in test_gpu.py or marked gpu); xfails and passes are left alone. Runs pytest on a few
small test files under tests/conftest.py's hooks, in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

TESTS = '''
import pytest

def test_passes():
    pass

def test_skips():
    pytest.skip("no frobnicator here")

@pytest.mark.gpu
def test_marked_gpu_skips():
    pytest.skip("needs a CUDA GPU")

@pytest.mark.xfail(reason="known", strict=True)
def test_xfails():
    assert False
'''

GPU_TESTS = '''
import pytest

def test_skips_without_a_gpu():
    pytest.skip("needs a CUDA GPU")
'''

MODULE_SKIP = '''
import pytest

pytest.skip("chromium is missing", allow_module_level=True)

def test_never_runs():
    pass
'''


def _pytest(tmp_path: Path, no_skips: str | None) -> subprocess.CompletedProcess[str]:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_some.py").write_text(TESTS)
    (tmp_path / "test_gpu.py").write_text(GPU_TESTS)
    (tmp_path / "test_browser_like.py").write_text(MODULE_SKIP)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    gpu: needs a CUDA device\n")
    env = {k: v for k, v in os.environ.items() if k != "NEURALAB_NO_SKIPS"}
    if no_skips is not None:
        env["NEURALAB_NO_SKIPS"] = no_skips
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_non_gpu_skip_fails_the_run_with_its_reason(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "1")
    out = done.stdout
    assert done.returncode == 1, out
    assert "NEURALAB_NO_SKIPS=1, but 2 non-GPU tests skipped" in out
    listed = out.split("non-GPU tests skipped", 1)[1]
    assert "test_some.py::test_skips: Skipped: no frobnicator here" in listed
    assert "test_browser_like.py: Skipped: chromium is missing" in listed
    assert "gpu" not in listed.split("short test summary")[0].lower()  # GPU skips may skip
    assert "1 passed, 4 skipped, 1 xfailed" in out  # every test still ran


@pytest.mark.parametrize("value", [None, "0"])
def test_without_the_variable_a_skip_is_a_skip(tmp_path: Path, value: str | None) -> None:
    done = _pytest(tmp_path, value)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 4 skipped, 1 xfailed" in done.stdout
