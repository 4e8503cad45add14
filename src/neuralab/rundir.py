"""A run directory's guard rails: one writer at a time, and never a silent overwrite.

:func:`neuralab.experiment.run` holds :func:`lock` on its run directory from its first check to
its last file, so a second ``neuralab train`` on the same ``--out`` is refused instead of mixing
its files in. The lock is ``OUT/.lock`` holding the writer's pid and host, and an exclusive
``flock`` on it: the kernel drops the flock when its process dies, however it dies, so a lock
left behind by a killed run is recognised for sure (no guess from a pid that may have been
reused) and taken over with a notice. :func:`check_target` refuses a directory that already
holds files unless the run resumes it or overwrites it; :func:`clear` empties it for an
overwrite, and only a directory that holds a neuralab run (:func:`is_run`) may be overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere only the O_EXCL creation guards the directory (no stale-lock takeover)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"
# io.atomic_write's temporary files (".config.json.1a2b3c4d.tmp"): left only by a killed writer
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


class RunDirBusy(ValueError):
    """Another process is writing the run directory (its lock is held)."""


def contents(out: Path) -> list[str]:
    """The names in ``out`` that belong to a run (the lock and a killed writer's temporary
    files left out), sorted; ``[]`` when ``out`` does not exist."""
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir()
                  if p.name != LOCK_NAME and not _TEMP_NAME.match(p.name))


def is_run(out: Path) -> bool:
    """Whether ``out/config.json`` is a neuralab run's config (a JSON object with ``data`` and
    ``model``): the only kind of directory :func:`clear` may empty."""
    try:
        config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and {"data", "model"} <= config.keys()


def check_target(out: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse to write a new run over files: ``out`` must be empty unless ``resume`` (continue
    the run there) or ``overwrite`` (replace it; only a neuralab run directory)."""
    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other: resume continues the run "
                         "in the directory, overwrite deletes it")
    names = contents(out)
    if resume or not names:
        return
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    if not overwrite:
        raise ValueError(f"out={str(out)!r} is not empty (it holds {shown}); continue its run "
                         f"with --resume, replace it with --overwrite, or choose another --out")
    if not is_run(out):
        raise ValueError(f"--overwrite: {str(out)!r} does not hold a neuralab run (no run "
                         f"config.json; it holds {shown}); refusing to delete its files")


def clear(out: Path) -> None:
    """Delete everything in ``out`` but the lock (for an overwrite, after every check passed).
    ``config.json`` goes last: a clear cut short by a kill leaves a directory that
    :func:`is_run` still recognises, so it can be overwritten again."""
    for path in sorted(out.iterdir(), key=lambda p: p.name == "config.json"):
        if path.name == LOCK_NAME:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def lock(out: Path, notice: Callable[[str], None]) -> Iterator[None]:
    """Hold ``out``'s lock (creating ``out``) for the ``with`` block; :class:`RunDirBusy` if
    another process holds it. A lock left by a dead process is taken over and ``notice`` gets
    one line about it. On the way out — errors and Ctrl-C included — the lock file is removed,
    and so is ``out`` if this call created it and nothing was written there."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"out={str(out)!r} is a file, not a directory; choose another --out")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = _acquire(out, notice)
    except OSError as err:  # a read-only place, a parent that is a file ...
        raise ValueError(f"out={str(out)!r} cannot be written: {err.strerror or err}") from None
    try:
        yield
    finally:
        # a temporary file of io.atomic_write that a Ctrl-C caught between its creation and
        # its try (or a dead writer's): still under the lock, so nobody else's
        for tmp in out.rglob("*.tmp"):
            if _TEMP_NAME.match(tmp.name):
                tmp.unlink(missing_ok=True)
        # unlink before close: a process that opened the old file meanwhile sees it is gone
        (out / LOCK_NAME).unlink(missing_ok=True)
        os.close(fd)
        if created and not any(out.iterdir()):
            out.rmdir()  # refused before writing anything: leave no empty directory behind


def _acquire(out: Path, notice: Callable[[str], None]) -> int:
    """The open, locked ``out/.lock`` holding this process's pid and host."""
    path = out / LOCK_NAME
    while True:
        flags = os.O_RDWR | os.O_CREAT | (os.O_EXCL if fcntl is None else 0)
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:  # no flock here: the file itself is the lock
            raise _busy(out) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise _busy(out) from None
        try:
            ours = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            ours = False
        if not ours:  # its holder removed it between our open and flock: lock the new one
            os.close(fd)
            continue
        previous = _read(path)
        if previous is not None:  # the kernel dropped its flock: that process is gone
            notice(f"{out}: took over the lock left by {_who(previous)}, which is no longer "
                   f"running")
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, me, 0)
        return fd


def _busy(out: Path) -> RunDirBusy:
    return RunDirBusy(f"{str(out)!r} is being written by another neuralab process "
                      f"({_who(_read(out / LOCK_NAME))}); wait for it to finish or choose "
                      f"another --out")


def _read(path: Path) -> dict[str, Any] | None:
    """The pid and host in a lock file; None when it is empty or unreadable."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _who(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "a process that is starting"
    host = holder.get("host")
    where = "" if host == socket.gethostname() else f" on {host}"
    return f"pid {holder.get('pid')}{where}"
