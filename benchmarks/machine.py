"""What every benchmark prints about the machine it ran on."""

from __future__ import annotations

import os
import platform


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (or what ``platform`` knows elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            names = (line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
            return next(names)
    except (OSError, StopIteration):
        return platform.processor() or platform.machine() or "?"


def cpu_count() -> int:
    """Logical CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
