"""Benchmark 3: cold-start weight. Import time of each handler module, beside pandas and boto3.

Each import is timed in a fresh interpreter (the only way to time a first import), once unmeasured
to settle the bytecode cache, then several times; the median is reported, with the process's
peak RSS after the import. Package sizes come from etl_tools.packaging, the code that builds what
Terraform deploys, run offline (`make wheels` fills its cache) into a temporary folder.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.measure import REPO, run_python
from covid_etl.contract import FUNCTIONS
from etl_tools import packaging

# Imports json only after the timed import, so a handler pays for its own json import.
IMPORT_SCRIPT = """
import sys, time
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
__import__(sys.argv[2])
seconds = time.perf_counter() - start
import json
status = open("/proc/self/status").read().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_rss_kb": peak}))
"""
BASELINES = ("boto3", "pandas")
# The third-party packages a handler's import spends its time in (``python -X importtime``).
HEAVY_IMPORTS = ("boto3", "jsonschema", "requests")
LAMBDA_ZIP_LIMIT_MB = 50  # direct upload of a zip
LAMBDA_UNZIPPED_LIMIT_MB = 250  # function and its layers, unzipped


def import_time(module: str, path: str, repetitions: int) -> dict[str, float]:
    run_python(["-c", IMPORT_SCRIPT, path, module])
    runs = [run_python(["-c", IMPORT_SCRIPT, path, module]) for _ in range(repetitions)]
    return {
        "median_ms": statistics.median(r.output["seconds"] for r in runs) * 1000,
        "peak_rss_mb": statistics.median(r.peak_rss_mb for r in runs),
    }


def import_breakdown(function: str, repetitions: int) -> dict[str, float]:
    """Median cumulative milliseconds of the heavy imports inside one handler's import."""
    samples: dict[str, list[float]] = {name: [] for name in (*HEAVY_IMPORTS, "handler")}
    script = f"import sys; sys.path.insert(0, {str(REPO / 'lambdas' / function)!r}); import handler"
    for _ in range(repetitions):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", script],
            cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        for line in done.stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[2].strip() in samples:
                samples[parts[2].strip()].append(int(parts[1]) / 1000)
    return {name: statistics.median(values) for name, values in samples.items() if values}


def packages() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        built = packaging.build(Path(out))
        functions = {
            path.stem: path.stat().st_size for path in built if path.parent.name == "functions"
        }
        layer = next(path for path in built if path.name == "layer.zip")
        with zipfile.ZipFile(layer) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        return {
            "function_zip_bytes": functions,
            "layer_zip_bytes": layer.stat().st_size,
            "layer_unzipped_bytes": unzipped,
        }


def installed_bytes(*distributions: str) -> int:
    """What the distributions occupy installed in this virtualenv (a pandas layer's weight)."""
    total = 0
    for name in distributions:
        for file in metadata.distribution(name).files or []:
            located = Path(str(file.locate()))
            if located.is_file():
                total += located.stat().st_size
    return total


def run(repetitions: int) -> dict[str, Any]:
    handlers = {
        name: import_time("handler", str(REPO / "lambdas" / name), repetitions)
        for name in FUNCTIONS
    }
    baselines = {module: import_time(module, "", repetitions) for module in BASELINES}
    slowest = max(handlers, key=lambda name: handlers[name]["median_ms"])
    return {
        "repetitions": repetitions,
        "handlers": handlers,
        "baselines": baselines,
        "slowest_handler": slowest,
        "breakdown_ms": import_breakdown(slowest, repetitions),
        "handler_median_ms": statistics.median(h["median_ms"] for h in handlers.values()),
        "pandas_over_slowest_handler": baselines["pandas"]["median_ms"]
        / handlers[slowest]["median_ms"],
        "packages": packages(),
        "pandas_numpy_installed_bytes": installed_bytes("pandas", "numpy"),
        "limits_mb": {"zip": LAMBDA_ZIP_LIMIT_MB, "unzipped": LAMBDA_UNZIPPED_LIMIT_MB},
    }
