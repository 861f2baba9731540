"""Benchmark 3: cold-start weight. Import time of each handler module, beside boto3, Powertools
and pandas.

Each import is timed in a fresh interpreter (the only way to time a first import), as on Lambda:
from the built artifacts alone (the function's folder and the layer's python/ on sys.path, with
-I -S so nothing comes from this virtualenv, not even its editable-install hook); boto3 and
Powertools from the same layer, pandas (no layer has it) from the virtualenv. Each is imported once
unmeasured to settle the bytecode cache, then several times, interleaved: every round imports each module
once, so a busy machine weighs on all of them alike. The median is reported, with the process's
peak RSS after the import. The goal figure, ``handler_import_vs_boto3``, is the median over the
handlers of (a handler's median / boto3's median): what a handler adds to the SDK it cannot do
without. Package sizes come from etl_tools.packaging, the code that builds what
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
sys.path[:0] = [folder for folder in sys.argv[1].split(":") if folder]
*first, module = sys.argv[2].split(",")
for untimed in first:
    __import__(untimed)
start = time.perf_counter()
__import__(module)
seconds = time.perf_counter() - start
import json
status = open("/proc/self/status").read().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_rss_kb": peak}))
"""
# Only the artifacts on sys.path: isolated mode (no cwd, no environment) and no site-packages.
ARTIFACTS_ONLY = ("-I", "-S")
# "a,b": b timed after a, untimed: what Powertools adds to a process that has boto3 already.
BASELINES = ("boto3", "aws_lambda_powertools", "boto3,aws_lambda_powertools", "pandas")
FROM_THE_VIRTUALENV = {"pandas"}
# The third-party packages a handler's import spends its time in (``python -X importtime``).
HEAVY_IMPORTS = ("boto3", "aws_lambda_powertools", "fastjsonschema", "requests")
LAMBDA_ZIP_LIMIT_MB = 50  # direct upload of a zip
LAMBDA_UNZIPPED_LIMIT_MB = 250  # function and its layers, unzipped


def import_command(module: str, path: str) -> list[str]:
    """Interpreter arguments importing module with path (folders joined by ":") first; with no
    path, from the virtualenv."""
    return [*(ARTIFACTS_ONLY if path else ()), "-c", IMPORT_SCRIPT, path, module]


def import_times(targets: dict[str, tuple[str, str]], repetitions: int) -> dict[str, dict]:
    """Each target, name -> (module, folders put first on sys.path), timed in interleaved rounds."""
    for module, path in targets.values():
        run_python(import_command(module, path))
    runs: dict[str, list] = {name: [] for name in targets}
    for _ in range(repetitions):
        for name, (module, path) in targets.items():
            runs[name].append(run_python(import_command(module, path)))
    return {
        name: {
            "median_ms": statistics.median(r.output["seconds"] for r in timed) * 1000,
            "peak_rss_mb": statistics.median(r.peak_rss_mb for r in timed),
        }
        for name, timed in runs.items()
    }


def import_breakdown(path: str, repetitions: int) -> dict[str, float]:
    """Median cumulative milliseconds of the heavy imports inside one handler's import (each
    counts the standard library modules it is the first to import)."""
    samples: dict[str, list[float]] = {name: [] for name in (*HEAVY_IMPORTS, "handler")}
    for _ in range(repetitions):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *import_command("handler", path)],
            cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        for line in done.stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[2].strip() in samples:
                samples[parts[2].strip()].append(int(parts[1]) / 1000)
    return {name: statistics.median(values) for name, values in samples.items() if values}


def unpacked_artifacts(out: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Build the zips into out, unpack them as Lambda does; their sizes and, per function, the
    sys.path folders its handler runs with (the function's folder, then the layer's python/)."""
    built = packaging.build(out)
    layer_zip = out / "layer.zip"
    with zipfile.ZipFile(layer_zip) as archive:
        archive.extractall(out / "layer")
        unzipped = sum(info.file_size for info in archive.infolist())
    paths = {}
    for path in built:
        if path.parent.name == "functions":
            with zipfile.ZipFile(path) as archive:
                archive.extractall(out / "task" / path.stem)
            paths[path.stem] = f"{out / 'task' / path.stem}:{out / 'layer' / 'python'}"
    sizes = {
        "function_zip_bytes": {
            path.stem: path.stat().st_size for path in built if path.parent.name == "functions"
        },
        "layer_zip_bytes": layer_zip.stat().st_size,
        "layer_unzipped_bytes": unzipped,
    }
    return sizes, paths


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
    with tempfile.TemporaryDirectory() as out:
        sizes, paths = unpacked_artifacts(Path(out))
        layer = str(Path(out) / "layer" / "python")
        targets = {name: ("handler", paths[name]) for name in FUNCTIONS}
        targets |= {
            f"import {module}": (module, "" if module in FROM_THE_VIRTUALENV else layer)
            for module in BASELINES
        }
        timed = import_times(targets, repetitions)
        slowest = max(FUNCTIONS, key=lambda name: timed[name]["median_ms"])
        breakdown = import_breakdown(paths[slowest], repetitions)
    handlers = {name: timed[name] for name in FUNCTIONS}
    baselines = {module: timed[f"import {module}"] for module in BASELINES}
    boto3_ms = baselines["boto3"]["median_ms"]
    for handler in handlers.values():
        handler["vs_boto3"] = handler["median_ms"] / boto3_ms
    return {
        "repetitions": repetitions,
        "handlers": handlers,
        "baselines": baselines,
        "slowest_handler": slowest,
        "breakdown_ms": breakdown,
        "handler_median_ms": statistics.median(h["median_ms"] for h in handlers.values()),
        "handler_import_vs_boto3": statistics.median(h["vs_boto3"] for h in handlers.values()),
        "pandas_over_slowest_handler": baselines["pandas"]["median_ms"]
        / handlers[slowest]["median_ms"],
        "packages": sizes,
        "pandas_numpy_installed_bytes": installed_bytes("pandas", "numpy"),
        "limits_mb": {"zip": LAMBDA_ZIP_LIMIT_MB, "unzipped": LAMBDA_UNZIPPED_LIMIT_MB},
    }
