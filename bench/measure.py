"""How the benchmarks measure: medians of repeated timings, and peak RSS of one child process.

Peak RSS is the kernel's high-water mark (VmHWM) of a fresh interpreter that does one thing,
read by that process as it ends. Not ``getrusage``: a forked child's ``ru_maxrss`` starts from
the parent's size before ``exec``, so every child of a parent holding pandas would look as big.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def interleaved_medians(
    works: dict[str, Callable[[], object]], repetitions: int
) -> dict[str, float]:
    """Median seconds of each work, alternating them so drifts (heat, caches) hit all alike."""
    samples: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repetitions):
        for name, work in works.items():
            samples[name].append(timed(work))
    return {name: statistics.median(values) for name, values in samples.items()}


def rss_now_kb() -> int:
    """Resident set size of this process now, in KiB."""
    return _status_kb("VmRSS")


def peak_rss_kb() -> int:
    """This process's peak resident set size, in KiB."""
    return _status_kb("VmHWM")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (the benchmarks need Linux)")


@dataclass(frozen=True)
class ChildResult:
    peak_rss_mb: float
    output: dict[str, Any]


class ChildFailed(RuntimeError):
    pass


def run_child(task: str, *args: str, timeout_seconds: float = 600) -> ChildResult:
    """Run one bench.child task in a fresh interpreter; its JSON answer and its peak RSS."""
    return run_python(["-m", "bench.child", task, *args], timeout_seconds)


def run_python(args: list[str], timeout_seconds: float = 600) -> ChildResult:
    """Run a fresh interpreter that prints one JSON object with its ``peak_rss_kb``."""
    command = [sys.executable, *args]
    try:
        done = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"{' '.join(command)}: still running after {timeout_seconds} s") from None
    if done.returncode != 0:
        raise ChildFailed(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    output = json.loads(done.stdout)
    return ChildResult(peak_rss_mb=output.pop("peak_rss_kb") / 1024, output=output)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions(*distributions: str) -> dict[str, str]:
    return {name: metadata.version(name) for name in distributions}
