"""`make bench`: every benchmark, one table on stdout, the same figures in bench/results.json.

    python -m bench [--repetitions N] [--output PATH]

Progress goes to stderr; the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import coldstart, cost, scale, steps, transform, writes
from bench.measure import REPO, machine, versions
from bench.plot import growth_svg

RESULTS = REPO / "bench" / "results.json"
PLOT_NAME = "scale.svg"  # next to the results
# Issue #13's goals: each figure at most this.
GOALS = {
    "transform_time_vs_pandas": 0.5,
    "transform_rss_vs_pandas": 0.3,
    "county_time_vs_pyarrow": 3.0,
    "county_peak_rss_mb": 128.0,
    "handler_import_vs_boto3": 1.3,
}
INFRA_VARIABLES = REPO / "infra" / "variables.tf"
INFRA_ENVIRONMENTS = REPO / "infra" / "environments"
ASSUMED_MEMORY_MB = 256


def lambda_memory() -> tuple[int, str]:
    """The functions' configured memory, from the Terraform variable and environment files."""
    import hcl2  # the dev extras; read here only

    options = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)
    try:
        variables = hcl2.loads(INFRA_VARIABLES.read_text(), serialization_options=options)
        memory = next(
            v["lambda_memory_mb"]["default"]
            for v in variables["variable"]
            if "lambda_memory_mb" in v
        )
    except (OSError, KeyError, StopIteration):
        return ASSUMED_MEMORY_MB, f"assumed {ASSUMED_MEMORY_MB} MB (no lambda_memory_mb in infra/)"
    source = "infra/variables.tf lambda_memory_mb default"
    for tfvars in sorted(INFRA_ENVIRONMENTS.glob("*.tfvars")):
        overrides = hcl2.loads(tfvars.read_text(), serialization_options=options)
        if "lambda_memory_mb" in overrides:
            memory = max(memory, int(overrides["lambda_memory_mb"]))
            source += f", {tfvars.name} sets {overrides['lambda_memory_mb']}"
    return int(memory), source if "," in source else source + "; no environment overrides it"


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def collect(repetitions: int) -> dict[str, Any]:
    memory_mb, memory_source = lambda_memory()
    started = time.perf_counter()
    progress("3/5 cold start: imports in fresh interpreters, packages")
    cold = coldstart.run(repetitions)
    progress("1/5 writes: five runs of the state machine on moto")
    measures = writes.run_scenarios()
    progress("5/5 cost model")
    init_ms = {name: h["median_ms"] for name, h in cold["handlers"].items()}
    costs = cost.run(measures, init_ms, memory_mb)
    progress("2/5 transform: library against pandas on the real files")
    speed = transform.run(repetitions)
    progress("4/5 scale: 2.5 million county rows")
    big = scale.run(memory_mb)
    progress("4b/5 steps: 1 M county rows through every Lambda step of a county run")
    county_steps = steps.run(memory_mb)
    return {
        "goals": goals(speed, cold, big),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench",
        "machine": machine(),
        "versions": versions("boto3", "botocore", "moto", "pandas", "numpy", "pyarrow"),
        "lambda_memory_mb": memory_mb,
        "lambda_memory_source": memory_source,
        "writes": writes.summarize(measures),
        "transform": speed,
        "cold_start": cold,
        "scale": big,
        "steps": county_steps,
        "cost": costs,
        "bench_seconds": time.perf_counter() - started,
    }


def goals(speed: dict[str, Any], cold: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    """The figures GOALS bounds; the handler import one comes from the cold-start benchmark
    when it measures it (None until then)."""
    return {
        "transform_time_vs_pandas": 1 / speed["time_ratio_pandas_over_library"],
        "transform_rss_vs_pandas": 1 / speed["rss_ratio_pandas_over_library"],
        "county_time_vs_pyarrow": big["time_ratio_library_over_pyarrow_read"],
        "county_peak_rss_mb": big["library"]["peak_rss_mb"],
        "handler_import_vs_boto3": cold.get("handler_import_vs_boto3"),
    }


def goals_table(results: dict[str, Any]) -> str:
    """The goals, measured against their limits: the README shows this part of the table."""
    rows = [
        [name, value, limit, "-" if value is None else ("yes" if value <= limit else "no")]
        for name, limit in GOALS.items()
        for value in [results["goals"][name]]
    ]
    return "\n".join(table(["goal (issue #13)", "measured", "at most", "met"], rows))


# --- The table --------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [headers, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))
        )

    return [line(cells[0]), line(["-" * w for w in widths]), *(line(r) for r in cells[1:])]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _dollars(value: float) -> str:
    return f"${value:.6f}"


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    out = [
        (
            f"covid-etl benchmarks, {r['date']}: {m['cpu']}, {m['cores']} cores, "
            f"{m['memory_gb']} GB, Python {m['python']}"
        ),
        "versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()),
        f"Lambda memory: {r['lambda_memory_mb']} MB ({r['lambda_memory_source']})",
        "",
    ]

    w = r["writes"]
    out.append("1. DynamoDB writes per changed row (real files, the state machine on moto)")
    out += table(
        ["scenario", "joined", "changed", "requests", "items", "items/changed",
         "run-record writes", "seed items"],
        [
            [s["scenario"], s["joined_rows"], s["changed_rows"], s["write_requests"],
             s["items_written"], s["writes_per_changed_row"], s["run_record_write_requests"],
             s["seed_items_written"]]
            for s in w["scenarios"]
        ],
    )  # fmt: skip
    out.append(
        f"max items/changed row {w['max_writes_per_changed_row']:.2f} (limit {w['limit']:.1f}); "
        f"unchanged day: {w['unchanged_day_items_written']} items written to the daily table "
        "(limit 0); the seed design rewrites every joined row every day"
    )
    out.append("")

    out += render_transform(r["transform"])
    out.append("")

    out += render_cold_start(r["cold_start"])
    out.append("")

    out += render_scale(r["scale"])
    out.append("")

    out += render_steps(r["steps"])
    out.append("")

    k = r["cost"]
    daily, quiet, seed = k["daily_run"], k["quiet_day"], k["seed"]
    out.append(
        f"5. Cost per run at AWS list prices ({k['region']}, checked {k['prices_checked']}), "
        f"{k['runs_per_month']} runs a month"
    )
    rows = [
        ["state transitions", daily["state_transitions"], quiet["state_transitions"],
         seed["state_transitions"]],
        ["Lambda invocations", daily["lambda_invocations"], quiet["lambda_invocations"],
         seed["lambda_invocations"]],
        ["Lambda billed ms (incl. init)", daily["lambda_billed_ms"], quiet["lambda_billed_ms"],
         seed["lambda_billed_ms"]],
        ["Glue job seconds (measured)", daily["glue_job_seconds"], quiet["glue_job_seconds"],
         None],
        ["Glue billed DPU-seconds", daily["glue_billed_dpu_seconds"],
         quiet["glue_billed_dpu_seconds"], seed["glue_billed_dpu_seconds"]],
        ["DynamoDB write units", daily["dynamodb_write_units"], quiet["dynamodb_write_units"],
         seed["dynamodb_write_units"]],
    ]  # fmt: skip
    for item in daily["dollars"]:
        rows.append(
            [f"$ {item}", _dollars(daily["dollars"][item]), _dollars(quiet["dollars"][item]),
             _dollars(seed["dollars"][item]) if item in seed["dollars"] else "-"]
        )  # fmt: skip
    rows.append(["$ per run", _dollars(daily["dollars_per_run"]),
                 _dollars(quiet["dollars_per_run"]), _dollars(seed["dollars_per_run"])])  # fmt: skip
    rows.append(["$ per month", _dollars(daily["dollars_per_month"]),
                 _dollars(quiet["dollars_per_month"]), _dollars(seed["dollars_per_month"])])  # fmt: skip
    out += table(["item", "daily run (one more day)", "quiet day (unchanged)", "seed design"], rows)
    out.append(
        f"seed / this pipeline per daily run: {k['seed_over_daily']:.1f}x (the seed's Spark job "
        "priced at its 1-minute minimum: a lower bound)"
    )
    out.append("")
    out.append("6. Goals")
    out.append(goals_table(r))
    out.append("")
    out.append(f"bench time: {r['bench_seconds']:.0f} s")
    return "\n".join(out)


def render_steps(s: dict[str, Any]) -> list[str]:
    title = (
        f"4b. The county case through the Lambda steps: {s['rows']:,} rows "
        f"({s['file_mb']:.0f} MB), each step in its own process, S3 a folder"
    )
    out = [title]
    out += table(
        ["scenario", "step", "peak RSS MB", "RSS before MB", "rows"],
        [
            [scenario, step, m["peak_rss_mb"], m["rss_ready_mb"],
             ", ".join(f"{k} {v:,}" for k, v in m.items() if k in steps.COUNTED)]
            for scenario, by_step in s["scenarios"].items()
            for step in steps.STEPS if (m := by_step.get(step))
        ],
    )  # fmt: skip
    out.append(
        f"largest peak {s['peak_rss_mb']:,.0f} MB: {s['peak_share_of_configured']:.0%} of the "
        f"functions' configured {s['configured_memory_mb']} MB"
    )
    if "upload_parts_in_memory_mb" in s:
        out.append(
            f"(S3 a folder: an upload here holds one 8 MB part at a time; on AWS s3transfer "
            f"holds up to {s['upload_parts_in_memory_mb']:.0f} MB of parts, 24 MB more at most)"
        )
    return out


def replace_figures(output: Path, name: str, figures: dict[str, Any]) -> dict[str, Any]:
    """``output``'s results with one benchmark's figures replaced (the rest keep their own
    date), the goals recomputed from them when the figures they come from are all there."""
    results = json.loads(output.read_text()) if output.is_file() else {}
    results[name] = figures
    if all(part in results for part in ("transform", "cold_start", "scale")):
        results["goals"] = goals(results["transform"], results["cold_start"], results["scale"])
    output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    progress(f"{name} figures replaced in {output}")
    return results


def only_steps(output: Path) -> int:
    progress("4b/5 steps: 1 M county rows through every Lambda step of a county run")
    memory_mb, _ = lambda_memory()
    results = replace_figures(output, "steps", steps.run(memory_mb))
    print("\n".join(render_steps(results["steps"])))
    return 0


def only_transform(repetitions: int, output: Path) -> int:
    progress("2/5 transform: library against pandas on the real files")
    speed = transform.run(repetitions)
    speed["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    print("\n".join(render_transform(replace_figures(output, "transform", speed)["transform"])))
    return 0


def render_transform(t: dict[str, Any]) -> list[str]:
    i = t["input"]
    out = [
        (
            f"2. Transform: validate both, join, diff (real files: NYT {i['nyt_bytes']:,} B + "
            f"JHU {i['jhu_bytes']:,} B -> {i['joined_days']} days, {i['new']} new), "
            f"median of {t['repetitions']}"
        )
    ]
    out += table(
        ["implementation", "median ms", "peak RSS MB", "RSS before MB"],
        [
            [name, t[name]["median_seconds"] * 1000, t[name]["peak_rss_mb"],
             t[name]["rss_before_transform_mb"]]
            for name in transform.IMPLEMENTATIONS
        ],
    )  # fmt: skip
    speed = t["time_ratio_pandas_over_library"]
    faster = f"library {speed:.1f}x" if speed >= 1 else f"pandas {1 / speed:.1f}x"
    out.append(
        f"pandas / library: time {speed:.2f}x ({faster} faster), peak RSS "
        f"{t['rss_ratio_pandas_over_library']:.2f}x (library {t['rss_ratio_pandas_over_library']:.1f}x "
        "leaner)"
    )
    if "load_average" in t:
        out.append(
            f"measured {t.get('date', 'with the rest')}; load average (1, 5, 15 min) as it "
            "started: " + ", ".join(f"{load:.2f}" for load in t["load_average"])
        )
    return out


def render_scale(s: dict[str, Any]) -> list[str]:
    lam = s["lambda"]
    d = s["library"]["diff"]
    out = [
        f"4. Scale: {s['rows']:,} synthetic NYT-county rows ({s['file_mb']:.0f} MB) against "
        + "yesterday's snapshot (its known lines written in the set-up), each in its own process"
    ]
    out += table(
        ["measured", "seconds", "peak RSS MB"],
        [
            ["library: diff_source us-counties, known lines, write delta", s["library"]["seconds"],
             s["library"]["peak_rss_mb"]],
            ["pyarrow.csv.read_csv, one thread (read only)",
             s["pyarrow_read"]["one-thread"]["seconds"],
             s["pyarrow_read"]["one-thread"]["peak_rss_mb"]],
            ["pyarrow.csv.read_csv, all cores (read only)",
             s["pyarrow_read"]["threads"]["seconds"], s["pyarrow_read"]["threads"]["peak_rss_mb"]],
        ],
    )  # fmt: skip
    out.append(
        f"diff: {d['new']:,} new, {d['revised']:,} revised, {d['unchanged']:,} unchanged, "
        f"{d['rejected']} rejected; library / pyarrow read (one thread) "
        f"{s['time_ratio_library_over_pyarrow_read']:.1f}x"
    )
    out += table(
        ["rows", "MB", "library s", "library peak RSS MB", "pyarrow s", "pyarrow peak RSS MB"],
        [
            [g["rows"], g["file_mb"], g["library_seconds"], g["library_peak_rss_mb"],
             g["pyarrow_seconds"], g["pyarrow_peak_rss_mb"]]
            for g in s["growth"]
        ],
    )  # fmt: skip
    out.append(f"growth plotted in bench/{PLOT_NAME}")
    out.append(
        f"Lambda at the configured {lam['configured_memory_mb']} MB: "
        + ("fits" if lam["fits_configured_memory"] else "does NOT fit")
        + f" (peak {s['library']['peak_rss_mb']:,.0f} MB; at that memory's CPU share "
        f"~{lam['seconds_at_configured_memory']:.0f} s). At {lam['memory_needed_mb']:,} MB: "
        f"~{lam['seconds_at_needed_memory']:.0f} s of the {lam['timeout_seconds']} s limit: "
        + ("fits." if lam["fits_timeout_at_needed_memory"] and lam["fits_max_memory"] else
           "does NOT fit.")
    )  # fmt: skip
    if not lam["fits_configured_memory"]:
        arrow = s["pyarrow_read"]["one-thread"]
        out.append(
            "Instead (not built: the pipeline carries the national series, one row a day): give "
            f"the validate/transform/plan functions >= {lam['memory_needed_mb']:,} MB (one "
            "lambda_memory_mb serves all functions today; Lambda allows "
            f"{scale.LAMBDA_MAX_MEMORY_MB:,} MB), or parse and diff with pyarrow ("
            f"{arrow['seconds']:.2f} s and {arrow['peak_rss_mb']:,.0f} MB just to read) in the "
            "Glue Python-shell job at 1 DPU (16 GB, no 15-minute limit)."
        )
    return out


def only_scale(output: Path) -> int:
    progress("4/5 scale: 2.5 million county rows")
    memory_mb, _ = lambda_memory()
    big = scale.run(memory_mb)
    big["date"] = datetime.now(UTC).isoformat(timespec="seconds")  # the rest keeps its own date
    output.with_name(PLOT_NAME).write_text(growth_svg(big["growth"]))
    print("\n".join(render_scale(replace_figures(output, "scale", big)["scale"])))
    return 0


def render_cold_start(c: dict[str, Any]) -> list[str]:
    p = c["packages"]
    rounds = c["repetitions"]
    out = [f"3. Cold start: import in a fresh interpreter, median of {rounds} interleaved rounds"]
    out += table(
        ["module", "import ms", "vs boto3", "peak RSS MB", "zip bytes"],
        [
            [f"lambdas/{name}", h["median_ms"], h["vs_boto3"], h["peak_rss_mb"],
             p["function_zip_bytes"][name]]
            for name, h in c["handlers"].items()
        ]
        + [[f"import {' after '.join(reversed(name.split(',')))}", b["median_ms"],
            b["median_ms"] / c["baselines"]["boto3"]["median_ms"], b["peak_rss_mb"], None]
           for name, b in c["baselines"].items()],
    )  # fmt: skip
    out.append(
        f"handler import / import boto3: median over the handlers {c['handler_import_vs_boto3']:.2f}x "
        "(goal <= 1.3x)"
    )
    b = c["breakdown_ms"]
    out.append(
        f"slowest handler {c['slowest_handler']}: its import spends "
        + ", ".join(f"{v / b['handler']:.0%} in {k}" for k, v in b.items() if k != "handler")
        + " (python -X importtime)"
        + f"; pandas / slowest handler {c['pandas_over_slowest_handler']:.2f}x"
    )
    out.append(
        f"layer.zip {p['layer_zip_bytes'] / 2**20:.2f} MB, unzipped "
        f"{p['layer_unzipped_bytes'] / 2**20:.2f} MB (limits {c['limits_mb']['zip']} MB zipped, "
        f"{c['limits_mb']['unzipped']} MB unzipped); pandas + numpy installed: "
        f"{c['pandas_numpy_installed_bytes'] / 2**20:.0f} MB"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=7, help="timed repetitions (median)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--only",
        choices=["cold_start", "scale", "steps", "transform"],
        help="run this benchmark alone, print its table, replace its figures in --output",
    )
    args = parser.parse_args(argv)
    if args.only == "steps":
        return only_steps(args.output)
    if args.only == "transform":
        return only_transform(args.repetitions, args.output)
    if args.only == "scale":
        return only_scale(args.output)
    if args.only:
        return only_cold_start(args.repetitions, args.output)
    results = collect(args.repetitions)
    args.output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    args.output.with_name(PLOT_NAME).write_text(growth_svg(results["scale"]["growth"]))
    print(render(results))
    progress(f"figures written to {args.output}")
    return 0


def only_cold_start(repetitions: int, output: Path) -> int:
    progress("3/5 cold start: imports in fresh interpreters, packages")
    cold = coldstart.run(repetitions)
    cold["date"] = datetime.now(UTC).isoformat(timespec="seconds")  # the rest keeps its own date
    replace_figures(output, "cold_start", cold)
    print("\n".join(render_cold_start(cold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
