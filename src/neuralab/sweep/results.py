"""The results file (one JSON line per finished trial) and ``best.toml``.

Only the process that runs the sweep writes the results file, one line per trial as it
finishes, flushed and fsynced, so a sweep stopped at any moment keeps every trial it reported.
A line whose key is already in the file is not written again: a trial that a retry ran twice
(a worker that died after finishing it, say) is recorded once. An exclusive lock stops two
sweeps from writing one file at the same time.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import IO, Any

from .. import io as nio

try:  # POSIX; elsewhere two sweeps into one folder are simply not guarded against
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class ResultsFile:
    """Append-only JSONL results of a sweep, keyed by trial key.

    Use as a context manager; ``records`` holds every valid line read at open (and each one
    appended since), by key. A last line cut short by a crash is dropped on open.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.records: dict[str, dict[str, Any]] = {}
        self._file: IO[str] | None = None

    def __enter__(self) -> ResultsFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+", encoding="utf-8")  # closed in __exit__
        if fcntl is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._file.close()
                raise ValueError(f"{str(self.path)!r} is being written by another sweep; wait "
                                 f"for it to finish or choose another --out") from None
        self._load()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None

    def _load(self) -> None:
        assert self._file is not None
        self._file.seek(0)
        text = self._file.read()
        if text and not text.endswith("\n"):
            # A line cut short by a crash: drop it, or the next line would be glued to it.
            keep = text[: text.rfind("\n") + 1]
            self._file.truncate(len(keep.encode("utf-8")))
            text = keep
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # not ours (a hand edit); the trial runs again
            if isinstance(record, dict) and isinstance(record.get("key"), str):
                self.records.setdefault(record["key"], record)

    def append(self, record: dict[str, Any]) -> bool:
        """Write ``record`` as one line, durably; ``False`` (and nothing written) if a record
        with its key is already there."""
        assert self._file is not None, "use ResultsFile as a context manager"
        if record["key"] in self.records:
            return False
        self._file.seek(0, os.SEEK_END)
        self._file.write(json.dumps(_finite(record), allow_nan=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records[record["key"]] = record
        return True


def _finite(value: Any) -> Any:
    """NaN and infinities as ``null``: strict JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# --------------------------------------------------------------------------- best.toml
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # shortest round-trip form; TOML reads 1e-05 and 0.001 alike
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) to TOML")


def to_toml(config: dict[str, Any], header: str = "") -> str:
    """A TrainConfig dict as TOML that ``neuralab train --config`` reads back unchanged.

    TOML has no null, so unset (``None``) options are left out, which gives them their
    default — ``None`` again. Nested dicts become tables after the top-level keys.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    tables = {k: v for k, v in config.items() if isinstance(v, dict)}
    for key, value in config.items():
        if key not in tables and value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for name, table in tables.items():
        items = [(k, v) for k, v in table.items() if v is not None]
        if not items:
            continue
        lines += ["", f"[{_toml_key(name)}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in items]
    return "\n".join(lines) + "\n"


def write_best_toml(path: str | Path, record: dict[str, Any], metric: str) -> Path:
    """Write the best trial's full config to ``path`` atomically, with a comment saying which
    trial it is and how it scored."""
    shown = ", ".join(f"{k}={_toml_value(v)}" for k, v in record["params"].items())
    header = (f"Best trial of a neuralab sweep: {metric} = {record[metric]}\n"
              f"trial {record['trial']} (key {record['key']}): {shown}, seed {record['seed']}\n"
              f"`neuralab train --config {Path(path).name}` repeats it; flags override it, "
              f"e.g. --epochs 100.")
    return nio.atomic_write_text(path, to_toml(record["config"], header))
