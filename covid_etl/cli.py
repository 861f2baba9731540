"""``etl``: run the pipeline locally on an embedded AWS, inspect what it loaded, deploy it."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

from covid_etl import deploy, smoke
from covid_etl.local import dashboard_server

FAULT_HELP = """\
fault injection (--fault, repeatable):
  http500:SOURCE:N     the upstream of SOURCE (nyt|jhu) answers 500 to the next N requests
  timeout:SOURCE:N     the upstream hangs past the client timeout on the next N requests
  truncate:SOURCE      the upstream sends half the file with the full Content-Length
  raise:FUNCTION       the Lambda handler FUNCTION (e.g. transform_sources) raises
  load-fail            the Glue load job run fails
  throttle:N           the first N DynamoDB batch writes of the load are throttled
  unprocessed:DAY,...  these days are never written (persistent throttling): queued for retry

exit status: 0 the run succeeded, 1 it failed (the error is printed), 2 usage error
"""


class UsageError(Exception):
    pass


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etl",
        description="US COVID-19 daily ETL (Step Functions + Lambda + Glue -> DynamoDB). "
        "Locally everything runs on an embedded AWS (moto), state kept in --state-dir.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run one daily execution locally",
        description="Run one execution of the real state machine on the embedded AWS, with the "
        "sources served from the repository's data files over HTTP on 127.0.0.1.",
        epilog=FAULT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _state_dir(run)
    run.add_argument("--reset", action="store_true", help="forget all local state first")
    run.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="serve the sources cut at this date and run as on that day (replay day by day)",
    )
    run.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH_OR_URL",
        help="replace a source (nyt or jhu) by a local file (served over HTTP) or a URL",
    )
    run.add_argument("--fault", action="append", default=[], metavar="SPEC", help="inject a fault")
    run.set_defaults(func=cmd_run)

    export = sub.add_parser("export", help="the loaded table as CSV on stdout")
    _state_dir(export)
    export.set_defaults(func=cmd_export)

    runs = sub.add_parser("runs", help="the run history, newest first")
    _state_dir(runs)
    runs.add_argument("--json", action="store_true", help="one JSON object per run")
    runs.set_defaults(func=cmd_runs)

    dashboard_server.register(sub)
    smoke.register(sub)
    deploy.register(sub)
    return parser


def _state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".etl"),
        help="where the local AWS state is kept between runs (default: .etl)",
    )


def parse_faults(specs: list[str]) -> dict[str, Any]:
    """--fault specs -> keyword arguments for the sources server and the bridge."""
    from covid_etl.local.moto_bridge import LoadFaults
    from covid_etl.local.sources_server import UpstreamFaults
    from covid_etl.naming import FUNCTIONS

    upstream: dict[str, UpstreamFaults] = {}
    load = LoadFaults()
    raise_in: set[str] = set()
    for spec in specs:
        kind, _, rest = spec.partition(":")
        args = rest.split(":") if rest else []
        try:
            if kind in ("http500", "timeout", "truncate"):
                source = args[0]
                if source not in ("nyt", "jhu"):
                    raise UsageError(f"--fault {spec}: source must be nyt or jhu")
                faults = upstream.setdefault(source, UpstreamFaults())
                if kind == "http500":
                    faults.http_errors = int(args[1])
                elif kind == "timeout":
                    faults.hangs = int(args[1])
                else:
                    faults.truncate = True
            elif kind == "raise":
                if args[0] not in FUNCTIONS:
                    raise UsageError(
                        f"--fault {spec}: unknown function; one of {', '.join(FUNCTIONS)}"
                    )
                raise_in.add(args[0])
            elif kind == "load-fail":
                load.fail = True
            elif kind == "throttle":
                load.throttle_batches = int(args[0])
            elif kind == "unprocessed":
                load.unprocessed_days = {str(_date(d)) for d in args[0].split(",")}
            else:
                raise UsageError(f"--fault {spec}: unknown fault kind {kind!r}")
        except (IndexError, ValueError, argparse.ArgumentTypeError):
            raise UsageError(f"--fault {spec}: malformed (see etl run --help)") from None
    return {"upstream": upstream, "load": load, "raise_in": raise_in}


def cmd_run(args: argparse.Namespace) -> int:
    from covid_etl.local.runner import embedded_aws, local_names, run_pipeline
    from covid_etl.local.sources_server import SourcesServer

    faults = parse_faults(args.fault)
    files: dict[str, Path] = {}
    urls: dict[str, str] = {}
    for item in args.source:
        name, _, value = item.partition("=")
        if name not in ("nyt", "jhu") or not value:
            raise UsageError(f"--source {item}: expected nyt=PATH_OR_URL or jhu=PATH_OR_URL")
        if value.startswith(("http://", "https://")):
            urls[name] = value
        elif not Path(value).is_file():
            raise UsageError(f"--source {item}: no such file")
        else:
            files[name] = Path(value)
    if args.reset and args.state_dir.exists():
        shutil.rmtree(args.state_dir)
    trigger = {"as_of": args.as_of.isoformat()} if args.as_of else {}
    with SourcesServer(files, as_of=args.as_of, faults=faults["upstream"]) as server:
        source_urls = {**server.urls, **urls}
        print(f"etl run: sources {source_urls['nyt']} and {source_urls['jhu']}", flush=True)
        with embedded_aws(
            args.state_dir,
            source_urls=source_urls,
            raise_in=faults["raise_in"],
            load_faults=faults["load"],
        ) as stack:
            print(f"etl run: state machine {local_names().state_machine} on the embedded AWS")
            result = run_pipeline(
                stack, trigger=trigger, progress=lambda line: print(line, flush=True)
            )
    return _report(result, args.state_dir)


def _report(result: Any, state_dir: Path) -> int:
    print()
    run = result.run or {}
    status = run.get("status") or result.status
    print(f"run {result.run_id}: {status} (execution {result.status})")
    counts = run.get("counts", {})
    if counts:
        print("counts: " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    if result.status != "SUCCEEDED":
        message = run.get("error") or _cause_message(result.cause) or result.error
        print(f"error: {result.error}: {message}", file=sys.stderr)
    if result.email_subject:
        print(f"\nemail sent (saved in {state_dir / 'outbox' / (result.run_id + '.txt')}):")
        print(f"Subject: {result.email_subject}\n")
        print(result.email_body)
    return 0 if result.status == "SUCCEEDED" else 1


def _cause_message(cause: str | None) -> str | None:
    if not cause:
        return None
    try:
        return json.loads(cause).get("errorMessage", cause)
    except (ValueError, AttributeError):
        return cause


def cmd_export(args: argparse.Namespace) -> int:
    from covid_etl import aws
    from covid_etl.local.runner import embedded_aws
    from covid_etl.records import RECORD_FIELDS

    with embedded_aws(args.state_dir, save=False, compute=False) as stack:
        records = aws.scan_records(stack.settings.daily_table)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(RECORD_FIELDS)
    for record in records:
        writer.writerow(record.as_row().values())
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from covid_etl import aws
    from covid_etl.local.runner import embedded_aws

    with embedded_aws(args.state_dir, save=False, compute=False) as stack:
        runs = sorted(
            aws.scan_runs(stack.settings.runs_table),
            key=lambda r: r.get("started_at", ""),
            reverse=True,
        )
    for run in runs:
        if args.json:
            print(json.dumps(run, sort_keys=True))
            continue
        c = run.get("counts", {})
        duration = run.get("duration_seconds")
        print(
            f"{run['run_id']}  {run.get('status', '?'):<9} {run.get('started_at', '?')}  "
            f"{(f'{duration:.1f}s' if duration is not None else '-'):>7}  "
            f"inserted={c.get('inserted', 0)} updated={c.get('updated', 0)} "
            f"unchanged={c.get('unchanged', 0)} rejected={c.get('rejected', 0)} "
            f"queued={c.get('queued', 0)}"
            + (f"  error: {run['error']}" if run.get("error") else "")
        )
    if not runs:
        print(f"no runs yet in {args.state_dir} (run `etl run` first)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits 2
    except BrokenPipeError:  # `etl export | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
