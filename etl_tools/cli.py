"""``etl``: run the pipeline locally on an embedded AWS, inspect what it loaded, deploy it."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3

from covid_etl.api import RUN_STATUSES
from covid_etl.datasets import DATASETS, DEFAULT, Dataset, UnknownDataset, dataset
from covid_etl.handler import cause_message
from covid_etl.triggers import trigger_kind
from etl_tools import api_server, deploy, export, query, show, smoke, subscribers
from etl_tools.command import add_command
from etl_tools.export import FORMATS
from etl_tools.local import dashboard_server
from etl_tools.local.state_store import StateDirError
from etl_tools.naming import LOCAL_ENVIRONMENT, Names

FAULT_HELP = """\
fault injection (--fault, repeatable):
  http500:SOURCE:N     the upstream of SOURCE (nyt|jhu) answers 500 to the next N requests
  timeout:SOURCE:N     the upstream hangs past the client timeout on the next N requests
  truncate:SOURCE      the upstream sends half the file with the full Content-Length
  raise:FUNCTION       the Lambda handler FUNCTION (e.g. transform_sources) raises
  load-fail            the Glue load job run fails
  throttle:N           the first N DynamoDB batch writes of the load are throttled
  unprocessed:DAY,...  these days are never written (persistent throttling): queued for retry

A fault that never fired (e.g. a day not in the load) is reported on stderr after the run.

exit status: 0 the run succeeded, 1 it failed (the error is printed), 2 usage error,
  3 the run awaits approval (the reason is printed; answer with etl approve/reject RUN),
  4 the state dir cannot be used (in use by another etl command, damaged, not a state dir),
  130 interrupted (Ctrl-C or SIGTERM: an unfinished run is not saved)
"""
AWAITING_APPROVAL = 3
STATE_DIR_UNUSABLE = 4
# What start_run, request_approval, finish_run and fail_run record.
INTERRUPTED = 130


class UsageError(Exception):
    pass


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}")
    return share


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etl",
        description="US COVID-19 daily ETL (Step Functions + Lambda + Glue -> DynamoDB). "
        "Locally everything runs on an embedded AWS (moto), state kept in --state-dir.",
    )
    parser.add_argument("--version", action="version", version=f"etl {version('covid-etl')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


# Every command registers itself one way: a function that adds its subparser with
# etl_tools.command.add_command. Those below are cli.py's own; the others live in their
# command's module.
def _register_run(sub: Any) -> None:
    run = add_command(
        sub,
        "run",
        cmd_run,
        help="run one daily execution locally",
        description="Run one execution of the real state machine on the embedded AWS, with the "
        "sources served from the repository's data files over HTTP on 127.0.0.1.",
        epilog=FAULT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _dataset(run)
    run.add_argument(
        "--reset",
        action="store_true",
        help="forget all local state first (only in a dir etl made: it has a .etl-state marker)",
    )
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
        help="replace a source (nyt or jhu) by a local file (served over HTTP) or a URL; "
        "a dataset other than us takes only its own sources, each given this way",
    )
    run.add_argument("--fault", action="append", default=[], metavar="SPEC", help="inject a fault")
    run.add_argument(
        "--approval-share",
        type=_share,
        metavar="SHARE",
        help="wait for approval when the delta revises more than this share of the loaded days "
        "(APPROVAL_SHARE, default 0.05)",
    )
    run.add_argument(
        "--approval-rows",
        type=_whole,
        metavar="N",
        help="wait for approval when the delta revises more than N days (APPROVAL_ROWS, "
        "default 100)",
    )


def _register_answers(sub: Any) -> None:
    for answer, verb in (("approve", "load"), ("reject", "end, writing nothing,")):
        parser_of_answer = add_command(
            sub,
            answer,
            cmd_answer,
            help=f"{answer} a run waiting at the approval gate",
            description=f"{verb.capitalize()} the paused run RUN (exit 3 of etl run): locally a new "
            "execution of the same state machine under the run's id, serving the sources the run "
            "was given (docs/operations.md, the approval gate).",
        )
        parser_of_answer.add_argument("run_id", metavar="RUN")
        parser_of_answer.set_defaults(approve=answer == "approve")


def _register_export(sub: Any) -> None:
    export = add_command(
        sub, "export", cmd_export, help="the loaded table (CSV, JSON or Parquet) on stdout"
    )
    _dataset(export)
    export.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")


def _register_runs(sub: Any) -> None:
    runs = add_command(sub, "runs", cmd_runs, help="the run history, newest first")
    runs.add_argument("--json", action="store_true", help="one JSON object per run")
    runs.add_argument("--limit", type=_positive, metavar="N", help="the newest N runs only")
    runs.add_argument(
        "--status", choices=RUN_STATUSES, help="only the runs that ended (or are) in this status"
    )


def _register_trigger(sub: Any) -> None:
    trigger = add_command(
        sub,
        "trigger",
        cmd_trigger,
        help="start an execution now, optionally for a date window (backfill)",
        description="Start one execution with a date window: only the days from..to are loaded "
        "(new or revised ones written), counted as any run. --env local runs it on the embedded "
        "AWS; another environment starts its deployed state machine (AWS credentials needed).",
    )
    trigger.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    trigger.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    _env(trigger)


def _register_rebuild(sub: Any) -> None:
    rebuild = add_command(
        sub,
        "rebuild",
        cmd_rebuild,
        help="recompute every day from the sources against the loaded table, load what differs",
        description='Start one execution with {"rebuild": true}: the snapshot is ignored, the '
        "Rebuild job (AWS Batch on Fargate; locally in-process) diffs every joined day against "
        "the loaded table, and the new and revised days are loaded as in any run. --env local "
        "runs it on the embedded AWS; another environment starts its deployed state machine.",
    )
    _env(rebuild)


def _register_upload(sub: Any) -> None:
    upload_parser = add_command(
        sub,
        "upload",
        cmd_upload,
        help="drop a source file in the landing area: it starts a run (locally)",
        description="Put FILE at landing/<source>/ in the data bucket of the embedded AWS; "
        "S3 -> EventBridge -> SQS -> start_from_upload starts one execution with it as the "
        "source. The same file uploaded again starts nothing.",
    )
    upload_parser.add_argument("file", type=Path, metavar="FILE")
    upload_parser.add_argument("--source", required=True, choices=("nyt", "jhu"))


def _register_redrive(sub: Any) -> None:
    redrive = add_command(
        sub,
        "redrive",
        cmd_redrive,
        help="move the records in the DLQ back to the retry queue",
        description="Redrive the retry queue's DLQ: on AWS with SQS's native message-move task; "
        "locally with receive/send/delete (moto lacks the task). The next run retries them.",
    )
    _env(redrive)


COMMANDS = (
    _register_run,
    _register_answers,
    _register_export,
    _register_runs,
    _register_trigger,
    _register_rebuild,
    _register_upload,
    _register_redrive,
    subscribers.register,
    dashboard_server.register,
    api_server.register,
    show.register,
    query.register,
    smoke.register,
    deploy.register,
)


def _env(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        default=LOCAL_ENVIRONMENT,
        help=f"environment: {LOCAL_ENVIRONMENT} (the embedded AWS, default) or a deployed one",
    )


def parse_faults(specs: list[str]) -> dict[str, Any]:
    """--fault specs -> keyword arguments for the sources server and the bridge."""
    from covid_etl.contract import FUNCTIONS
    from etl_tools.local.moto_bridge import LoadFaults
    from etl_tools.local.sources_server import UpstreamFaults

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
                    faults.http_errors = _fault_count(spec, args[1])
                elif kind == "timeout":
                    faults.hangs = _fault_count(spec, args[1])
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
                load.throttle_batches = _fault_count(spec, args[0])
            elif kind == "unprocessed":
                load.unprocessed_days = {str(_date(d)) for d in args[0].split(",")}
            else:
                raise UsageError(f"--fault {spec}: unknown fault kind {kind!r}")
        except (IndexError, ValueError, argparse.ArgumentTypeError):
            raise UsageError(f"--fault {spec}: malformed (see etl run --help)") from None
    return {"upstream": upstream, "load": load, "raise_in": raise_in}


def _fault_count(spec: str, text: str) -> int:
    count = int(text)
    if count < 0:
        raise UsageError(f"--fault {spec}: the count must be 0 or more, got {count}")
    return count


def unfired_faults(faults: dict[str, Any], raised: set[str]) -> list[str]:
    """The injected faults that never happened (``raised``: the functions a raise fired in):
    a fault that did not fire tested nothing, and the user should know."""
    missed = []
    for source, upstream in sorted(faults["upstream"].items()):
        if upstream.http_errors:
            missed.append(f"http500:{source}: {upstream.http_errors} error(s) never served")
        if upstream.hangs:
            missed.append(f"timeout:{source}: {upstream.hangs} hang(s) never served")
        if upstream.truncate and not upstream.truncated:
            missed.append(f"truncate:{source}: no download to cut (unchanged upstream?)")
    missed += [f"raise:{name}: {name} never ran" for name in sorted(faults["raise_in"] - raised)]
    load = faults["load"]
    if load.fail and not load.failed_runs:
        missed.append("load-fail: no load job ran (nothing to load?)")
    if load.throttled < load.throttle_batches:
        missed.append(
            f"throttle:{load.throttle_batches}: only {load.throttled} batch write(s) throttled"
        )
    missed += [
        f"unprocessed:{day}: not in the load"
        for day in sorted(load.unprocessed_days - load.held_days)
    ]
    return missed


def _dataset(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        default=DEFAULT,
        metavar="NAME",
        help=f"the dataset: {', '.join(DATASETS)} (default: {DEFAULT}; its sources, key and "
        "table are its spec's, covid_etl/datasets.py)",
    )


def _spec(name: str) -> Dataset:
    try:
        return dataset(name)
    except UnknownDataset as exc:
        raise UsageError(f"--dataset: {exc}") from None


def cmd_run(args: argparse.Namespace) -> int:
    spec = _spec(args.dataset)
    faults = parse_faults(args.fault)
    files: dict[str, Path] = {}
    urls: dict[str, str] = {}
    for item in args.source:
        name, _, value = item.partition("=")
        if name not in spec.sources or not value:
            expected = " or ".join(f"{source}=PATH_OR_URL" for source in spec.sources)
            raise UsageError(f"--source {item}: dataset {spec.name} expects {expected}")
        if value.startswith(("http://", "https://")):
            urls[name] = value
        elif not Path(value).is_file():
            raise UsageError(f"--source {item}: no such file")
        else:
            files[name] = Path(value)
    today = datetime.now(UTC).date()  # the run date is UTC's (covid_etl/steps/start_run.py)
    if args.as_of and args.as_of > today:
        raise UsageError(f"--as-of {args.as_of} is after today ({today}): no data yet")
    trigger: dict[str, Any] = {"as_of": args.as_of.isoformat()} if args.as_of else {}
    if spec.name != DEFAULT:
        # No local copy of another dataset's files: each of its sources is given.
        missing = [source for source in spec.sources if source not in {**files, **urls}]
        if missing:
            raise UsageError(
                f"--dataset {spec.name}: give its source(s) with --source "
                + ", ".join(f"{source}=PATH_OR_URL" for source in missing)
            )
        trigger["dataset"] = spec.name
    thresholds = {"approval_share": args.approval_share, "approval_rows": args.approval_rows}
    settings = {name: value for name, value in thresholds.items() if value is not None}
    return _run_locally(
        args.state_dir, trigger, faults, files, urls, args.as_of, args.reset, settings
    )


def _run_locally(
    state_dir: Path,
    trigger: dict[str, Any],
    faults: dict[str, Any] | None = None,
    files: dict[str, Path] | None = None,
    urls: dict[str, str] | None = None,
    as_of: date | None = None,
    reset: bool = False,
    settings: dict[str, Any] | None = None,
) -> int:
    from etl_tools.approval import save_paused
    from etl_tools.local.runner import embedded_aws, local_names, run_pipeline
    from etl_tools.local.sources_server import SourcesServer

    faults = faults or parse_faults([])
    with SourcesServer(files, as_of=as_of, faults=faults["upstream"]) as server:
        source_urls = {**server.urls, **(urls or {})}
        if "dataset" in trigger:  # its sources go in the input: Settings' URLs are us's
            given = {**(files or {}), **(urls or {})}
            trigger = {**trigger, "sources": {name: source_urls[name] for name in given}}
        shown = trigger.get("sources", source_urls)
        print(f"etl run: sources {' and '.join(shown.values())}", flush=True)
        with embedded_aws(
            state_dir,
            source_urls=source_urls,
            raise_in=faults["raise_in"],
            load_faults=faults["load"],
            reset=reset,
            settings=settings,
        ) as stack:
            print(f"etl run: state machine {local_names().state_machine} on the embedded AWS")
            result = run_pipeline(
                stack, trigger=trigger, progress=lambda line: print(line, flush=True)
            )
            if result.paused:
                save_paused(stack, result.run_id, as_of, files or {})
    status = print_run_report(result, state_dir)
    for missed in unfired_faults(faults, stack.bridge.raised):
        print(f"etl run: fault never fired: {missed}", file=sys.stderr)
    return status


def cmd_trigger(args: argparse.Namespace) -> int:
    from etl_tools.operations import backfill_input, start_on_aws

    _refuse_empty_window(args.start, args.end)
    execution_input = backfill_input(
        args.start.isoformat() if args.start else None, args.end.isoformat() if args.end else None
    )
    if args.env == LOCAL_ENVIRONMENT:
        return _run_locally(args.state_dir, execution_input)
    arn = start_on_aws(boto3.Session(), _aws_names(args.env), execution_input)
    print(f"started {arn}\ninput {json.dumps(execution_input)}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from etl_tools.operations import REBUILD_INPUT, start_on_aws

    if args.env == LOCAL_ENVIRONMENT:
        return _run_locally(args.state_dir, dict(REBUILD_INPUT))
    arn = start_on_aws(boto3.Session(), _aws_names(args.env), REBUILD_INPUT)
    print(f"started {arn}\ninput {json.dumps(REBUILD_INPUT)}")
    return 0


def _refuse_empty_window(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise UsageError(f"empty window: --from {start} is after --to {end}")


def cmd_upload(args: argparse.Namespace) -> int:
    from etl_tools.local.runner import (
        deliver_uploads,
        embedded_aws,
        follow_run,
        logs_to,
        new_run_id,
        upload,
    )
    from etl_tools.local.sources_server import SourcesServer

    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    status = 0
    with (
        SourcesServer() as server,
        embedded_aws(args.state_dir, source_urls=server.urls) as stack,
        logs_to(args.state_dir / "logs" / f"upload-{new_run_id()}.jsonl"),
    ):
        key = upload(stack, args.file, args.source)
        print(f"etl upload: s3://{stack.settings.data_bucket}/{key}")
        started = deliver_uploads(stack)
        if not started:
            print("etl upload: no execution started (this object was uploaded before)")
        for run_id in started:
            print(f"etl upload: started {run_id}")
            result = follow_run(stack, run_id, progress=lambda line: print(line, flush=True))
            status = max(status, print_run_report(result, args.state_dir))
    return status


def cmd_redrive(args: argparse.Namespace) -> int:
    if args.env != LOCAL_ENVIRONMENT:
        from etl_tools.operations import redrive_on_aws

        moved = redrive_on_aws(boto3.Session(), _aws_names(args.env))
        print(f"moved {moved} message(s) from the DLQ back to the retry queue")
        return 0
    from etl_tools.local.moto_bridge import move_messages
    from etl_tools.local.runner import embedded_aws

    with embedded_aws(args.state_dir, compute=False, must_exist=True) as stack:
        moved = move_messages(stack.settings.retry_dlq_url, stack.settings.retry_queue_url)
    print(
        f"moved {moved} message(s) from the DLQ back to the retry queue "
        "(locally by receive/send/delete: moto has no StartMessageMoveTask)"
    )
    return 0


def _aws_names(environment: str) -> Names:
    try:
        return smoke.stack_names(boto3.Session(), environment)
    except smoke.SmokeSetupError as exc:
        raise UsageError(str(exc)) from None


def cmd_answer(args: argparse.Namespace) -> int:
    """etl approve RUN / etl reject RUN (etl_tools/approval.py says how, locally)."""
    from etl_tools.approval import (
        NotAwaitingApproval,
        answer_input,
        forget_paused,
        local_identity,
        paused_run,
    )
    from etl_tools.local.runner import embedded_aws, run_pipeline
    from etl_tools.local.sources_server import SourcesServer, this_process_url

    with (
        SourcesServer() as server,
        embedded_aws(args.state_dir, source_urls=server.urls, must_exist=True) as stack,
    ):
        try:
            run, paused = paused_run(stack, args.run_id)
        except NotAwaitingApproval as exc:
            raise UsageError(str(exc)) from None
        server.bodies = paused.bodies()
        execution_input = answer_input(run, args.approve, local_identity(), datetime.now(UTC))
        if "sources" in execution_input:  # a dataset's files, given in its input: served here now
            execution_input["sources"] = {
                name: this_process_url(url, server.urls)
                for name, url in execution_input["sources"].items()
            }
        result = run_pipeline(
            stack,
            trigger=execution_input,
            run_id=args.run_id,
            progress=lambda line: print(line, flush=True),
        )
        if not result.paused:  # paused again: the sources changed, a new plan asks again
            forget_paused(stack, args.run_id)
    status = print_run_report(result, args.state_dir)
    rejected = (result.run or {}).get("status") == "REJECTED"
    return 0 if rejected and not args.approve else status


def print_run_report(result: Any, state_dir: Path) -> int:
    print()
    run = result.run or {}
    status = run.get("status") or result.status
    print(f"run {result.run_id}: {status} (execution {result.status})")
    if result.paused:
        print(f"awaiting approval: {run.get('approval_reason', '?')}")
        print(f"answer with: etl approve {result.run_id} | etl reject {result.run_id}")
    counts = run.get("counts", {})
    if counts:
        print("counts: " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    if result.status != "SUCCEEDED" and not result.paused:
        message = run.get("error") or cause_message(result.cause) or result.error
        print(f"error: {result.error}: {message}", file=sys.stderr)
    if result.email_subject:
        print(f"\nemail sent (saved in {state_dir / 'outbox' / (result.run_id + '.txt')}):")
        print(f"Subject: {result.email_subject}\n")
        print(result.email_body)
    page = state_dir / "dashboard" / "index.html"
    if page.is_file():
        print(f"dashboard: {page} (a file that opens offline; `etl dashboard` serves it)")
    if result.paused:
        return AWAITING_APPROVAL
    return 0 if result.status == "SUCCEEDED" else 1


def cmd_export(args: argparse.Namespace) -> int:
    from covid_etl import aws
    from etl_tools.local.runner import embedded_aws

    spec = _spec(args.dataset)
    _refuse_empty_window(args.start, args.end)
    with embedded_aws(args.state_dir, save=False, compute=False, must_exist=True) as stack:
        records = aws.scan_records(stack.settings.table(spec), spec)
    body = export.render(export.in_window(records, args.start, args.end), args.format, spec)
    if isinstance(body, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
    else:
        sys.stdout.write(body)
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from covid_etl import aws
    from etl_tools.local.runner import embedded_aws

    with embedded_aws(args.state_dir, save=False, compute=False, must_exist=True) as stack:
        runs = sorted(
            aws.scan_runs(stack.settings.runs_table),
            key=lambda r: r.get("started_at", ""),
            reverse=True,
        )
    if not runs:
        print(f"no runs yet in {args.state_dir} (run `etl run` first)", file=sys.stderr)
    runs = [r for r in runs if args.status in (None, r.get("status"))][: args.limit]
    for run in runs:
        if args.json:
            print(json.dumps(run, sort_keys=True))
            continue
        print(run_line(run))
    return 0


STATUS_WIDTH = max(map(len, RUN_STATUSES))


def run_line(run: dict[str, Any]) -> str:
    """One run of `etl runs`: columns aligned whatever the status (AWAITING_APPROVAL the widest)."""
    c = run.get("counts", {})
    duration = run.get("duration_seconds")
    return (
        f"{run['run_id']}  {run.get('status', '?'):<{STATUS_WIDTH}}  {run.get('started_at', '?')}  "
        f"{trigger_kind(run.get('trigger', {})):<8}  "
        f"{(f'{duration:.1f}s' if duration is not None else '-'):>7}  "
        f"inserted={c.get('inserted', 0)} updated={c.get('updated', 0)} "
        f"unchanged={c.get('unchanged', 0)} rejected={c.get('rejected', 0)} "
        f"queued={c.get('queued', 0)}" + (f"  error: {run['error']}" if run.get("error") else "")
    )


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # Ctrl-C, kill -INT and SIGTERM end a command alike: nothing half-saved


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Both installed, not inherited: Python leaves SIGINT ignored in a process started with it
    # ignored (`etl run &` in a script), which then ran on through `kill -INT` and saved.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        return args.func(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits 2
    except StateDirError as exc:
        print(f"etl {args.command}: error: {exc}", file=sys.stderr)
        return STATE_DIR_UNUSABLE
    except KeyboardInterrupt:
        state_dir = getattr(args, "state_dir", None)
        kept = f": nothing half-saved, {state_dir} is as the last finished command left it"
        kept = kept if state_dir else ""
        print(f"\netl {args.command}: interrupted{kept}", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `etl export | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
