"""One function per pipeline step: what each Lambda handler calls.

Each step reads its inputs from S3/DynamoDB/SQS by run id, calls the pure functions, writes its
outputs back, and returns a small dict of counts for the state machine. Data never travels in the
state payload.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from covid_etl import aws, dashboard, keys
from covid_etl.accounting import invariant_violations
from covid_etl.extract import SourceUnavailable, download, too_large
from covid_etl.handler import cause_message, logger
from covid_etl.metrics import run_metrics
from covid_etl.records import (
    NEW,
    RETRY,
    REVISED,
    DailyRecord,
    in_window,
    join_sources,
    plan_delta,
    read_csv,
    reconcile,
    records_from_csv,
    settle_retries,
    to_csv,
)
from covid_etl.report import email
from covid_etl.settings import Settings
from covid_etl.sources import JHU, NYT, SPECS, SourceRow, rejects_csv, shorten, validate
from covid_etl.uploads import parse_upload_event

# The samples travel in the state payload (256 KB on Step Functions): 5 x 300 characters at
# most; every reject, whole, is in the rejects file.
REJECT_SAMPLES = 5
SAMPLE_CHARACTERS = 300


class RunInProgress(Exception):
    """Another run holds the lock: this one must touch nothing."""


class InvalidInput(Exception):
    """The execution input is not usable."""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- StartRun ---------------------------------------------------------------------------


def start_run(settings: Settings, run_id: str, started_at: str, trigger: dict[str, Any]) -> dict:
    run_date = _run_date(trigger.get("as_of"))
    started_at = _iso(_parse_time(started_at))
    sources = {NYT: settings.nyt_url, JHU: settings.jhu_url} | trigger.get("sources", {})
    now = _now()
    try:
        aws.acquire_lock(
            settings.runs_table,
            run_id,
            started_at,
            int(now.timestamp()),
            settings.lock_lease_seconds,
        )
    except aws.LockHeld as held:
        raise RunInProgress(
            f"run {held.holder.get('run_id')} in progress since {held.holder.get('since')}"
        ) from None
    aws.put_run(
        settings.runs_table,
        {
            "run_id": run_id,
            "status": "RUNNING",
            "started_at": started_at,
            "run_date": run_date.isoformat(),
            "trigger": trigger,
        },
    )
    return {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "sources": sources,
        "window": _window(trigger.get("window", {})),
        "load_poll_seconds": settings.load_poll_seconds,
    }


def _window(window: dict[str, str]) -> dict[str, str]:
    """A backfill window: only the days from..to (both optional, inclusive) are loaded."""
    try:
        bounds = {k: date.fromisoformat(v).isoformat() for k, v in window.items()}
    except ValueError:
        raise InvalidInput(f"window dates must be YYYY-MM-DD, got {window}") from None
    if "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
        raise InvalidInput(f"empty window: from {bounds['from']} is after to {bounds['to']}")
    return bounds


def _run_date(as_of: str | None) -> date:
    if as_of is None:
        return _now().date()
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        raise InvalidInput(f"as_of must be YYYY-MM-DD, got {as_of!r}") from None


# --- Extract and Validate, one source each ---------------------------------------------


def extract_source(settings: Settings, run_id: str, source: str, url: str) -> dict:
    """Download to raw/<run>/<source>.csv; a 304 reuses the previous download.

    An ``s3://`` URL is an uploaded file (the upload trigger): it is copied as it is.
    """
    if url.startswith("s3://"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        try:
            body = aws.get_object(bucket, key, max_bytes=settings.max_source_bytes)
        except aws.ObjectTooLarge as exc:
            raise SourceUnavailable(
                source, url, too_large(settings.max_source_bytes, exc.size)
            ) from None
        if body is None:
            raise SourceUnavailable(source, url, "no such uploaded object")
        aws.put_object(settings.data_bucket, keys.raw(run_id, source), body)
        return {"source": source, "url": url, "http_status": 200, "bytes": len(body)}
    state_key = keys.source_state(source)
    previous = json.loads(aws.get_object(settings.data_bucket, state_key) or b"{}")
    previous_body = None
    if previous.get("url") == url and previous.get("raw_key"):
        previous_body = aws.get_object(settings.data_bucket, previous["raw_key"])
    result = download(
        source,
        url,
        etag=previous.get("etag") if previous_body is not None else None,
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        backoff_seconds=settings.http_backoff_seconds,
        max_bytes=settings.max_source_bytes,
    )
    body = previous_body if result.status == 304 else result.body
    assert body is not None
    raw_key = keys.raw(run_id, source)
    aws.put_object(settings.data_bucket, raw_key, body)
    if result.status == 200:
        state = {"url": url, "etag": result.etag, "raw_key": raw_key}
        aws.put_object(
            settings.data_bucket, state_key, json.dumps(state).encode(), "application/json"
        )
    return {"source": source, "url": url, "http_status": result.status, "bytes": len(body)}


def validate_source(
    settings: Settings, run_id: str, run_date: str, source: str, extract: dict
) -> dict:
    """Quarantine bad rows in rejects/<run>/<source>.csv; keep the good ones in staged/."""
    data = aws.get_object(settings.data_bucket, keys.raw(run_id, source))
    assert data is not None, f"raw file of {source} missing"
    result = validate(
        source, data, run_date=date.fromisoformat(run_date), max_count=settings.max_count
    )
    fields = list(SPECS[source].counts)
    valid_csv = (
        "date,"
        + ",".join(fields)
        + "\n"
        + "".join(
            f"{row.date.isoformat()}," + ",".join(str(row.values[f]) for f in fields) + "\n"
            for row in result.rows
        )
    )
    aws.put_object(settings.data_bucket, keys.valid(run_id, source), valid_csv.encode())
    summary = {
        **extract,
        "extracted": result.extracted,
        "rejected": len(result.rejects),
        "out_of_scope": result.out_of_scope,
        "valid": len(result.rows),
    }
    if result.rejects:
        aws.put_object(
            settings.data_bucket, keys.rejects(run_id, source), rejects_csv(result.rejects)
        )
        summary["rejects_key"] = keys.rejects(run_id, source)
        summary["reject_samples"] = [
            shorten(f"line {r.line_number}: {r.reason}", SAMPLE_CHARACTERS)
            for r in result.rejects[:REJECT_SAMPLES]
        ]
    return summary


# --- Transform ----------------------------------------------------------------------------


def _valid_rows(settings: Settings, run_id: str, source: str) -> list[SourceRow]:
    data = aws.get_object(settings.data_bucket, keys.valid(run_id, source))
    assert data is not None, f"validated file of {source} missing"
    return [
        SourceRow(
            date.fromisoformat(row["date"]), {k: int(v) for k, v in row.items() if k != "date"}
        )
        for row in read_csv(data)
    ]


def transform_sources(settings: Settings, run_id: str, window: dict[str, str]) -> dict:
    """Inner join on date -> staged/<run>/daily.csv; a backfill keeps its window only."""
    joined = join_sources(_valid_rows(settings, run_id, NYT), _valid_rows(settings, run_id, JHU))
    start, end = (date.fromisoformat(window[k]) if k in window else None for k in ("from", "to"))
    records = in_window(joined.records, start, end)
    aws.put_object(settings.data_bucket, keys.daily(run_id), to_csv(records))
    return {
        "joined": len(records),
        "matched": 2 * len(joined.records),
        "outside_window": len(joined.records) - len(records),
        "dropped_by_join": joined.nyt_only + joined.jhu_only,
        "nyt_only": joined.nyt_only,
        "jhu_only": joined.jhu_only,
    }


# --- Retries and the load plan ------------------------------------------------------------


def collect_retries(settings: Settings, run_id: str) -> dict:
    """Receive the queued records; they stay in the queue, hidden, until the run settles them."""
    messages = aws.receive_all(settings.retry_queue_url, settings.lock_lease_seconds)
    entries = []
    for message in messages:
        body = json.loads(message["Body"])
        entries.append(
            {
                "receipt_handle": message["ReceiptHandle"],
                "receive_count": int(message["Attributes"]["ApproximateReceiveCount"]),
                "from_run": body["run_id"],
                "kind": body["kind"],
                "record": body["record"],
            }
        )
    aws.put_object(
        settings.data_bucket, keys.retries(run_id), json.dumps(entries).encode(), "application/json"
    )
    return {"received": len(entries)}


def _load_retries(settings: Settings, run_id: str) -> list[dict]:
    return json.loads(aws.get_object(settings.data_bucket, keys.retries(run_id)) or b"[]")


def _snapshot(settings: Settings) -> dict[date, DailyRecord]:
    data = aws.get_object(settings.data_bucket, keys.SNAPSHOT)
    return {r.date: r for r in records_from_csv(data)} if data else {}


def plan_load(settings: Settings, run_id: str, run_date: str) -> dict:
    """Diff today's rows against the snapshot; add the retries -> staged/<run>/delta.csv."""
    staged = records_from_csv(aws.get_object(settings.data_bucket, keys.daily(run_id)) or b"")
    retries = _load_retries(settings, run_id)
    retry_records = [DailyRecord.from_row(entry["record"]) for entry in retries]
    plan = plan_delta(staged, _snapshot(settings), retry_records)
    retry_kind = {DailyRecord.from_row(e["record"]).date: e["kind"] for e in retries}
    records = [c.record for c in plan.changes]
    # A retried record keeps the kind it had when it first failed (new or revised).
    kinds = [retry_kind[c.record.date] if c.kind == RETRY else c.kind for c in plan.changes]
    origins = [RETRY if c.kind == RETRY else "today" for c in plan.changes]
    aws.put_object(
        settings.data_bucket,
        keys.delta(run_id),
        to_csv(records, {"kind": kinds, "origin": origins}),
    )
    return {
        "new": plan.count(NEW),
        "revised": plan.count(REVISED),
        "unchanged": plan.unchanged,
        "retried": plan.retried,
        "superseded": plan.superseded,
        "delta": len(plan.changes),
        "delta_key": keys.delta(run_id),
        "failures_key": keys.failures(run_id),
        "daily_key": keys.daily(run_id),
        "processed_key": keys.processed(run_date, run_id),
    }


def record_pre_load(
    settings: Settings, run_id: str, sources: dict, transform: dict, retries: dict, plan: dict
) -> dict:
    counts = {
        "extracted": sum(s["extracted"] for s in sources.values()),
        "rejected": sum(s["rejected"] for s in sources.values()),
        "out_of_scope": sum(s["out_of_scope"] for s in sources.values()),
        "dropped_by_join": transform["dropped_by_join"],
        "matched": transform["matched"],
        "joined": transform["joined"],
        "outside_window": transform["outside_window"],
        "retried": plan["retried"],
        "retries_received": retries["received"],
        "superseded": plan["superseded"],
        "new": plan["new"],
        "revised": plan["revised"],
        "unchanged": plan["unchanged"],
        "delta": plan["delta"],
    }
    aws.update_run(settings.runs_table, run_id, {"sources": sources, "counts": counts})
    return {}


# --- The load and what follows ----------------------------------------------------------------

JOB_SUCCEEDED = "SUCCEEDED"


def check_load(settings: Settings, run_id: str, job_run_id: str, job_run: dict) -> dict:
    state = job_run.get("JobRunState", "UNKNOWN")
    outcome = {
        "job_run_id": job_run_id,
        "state": state,
        "error": job_run.get("ErrorMessage"),
        "execution_seconds": job_run.get("ExecutionTime"),
    }
    aws.update_run(settings.runs_table, run_id, {"load_job": outcome})
    return {"succeeded": state == JOB_SUCCEEDED, **outcome}


def reconcile_load(settings: Settings, run_id: str, delta_key: str, failures_key: str) -> dict:
    """Read the table back: a delta row is loaded only if the table now holds exactly it."""
    delta = read_csv(aws.get_object(settings.data_bucket, delta_key) or b"")
    failures = read_csv(aws.get_object(settings.data_bucket, failures_key) or b"")
    reasons = {row["date"]: row.get("error", "") for row in failures}
    loaded = aws.batch_get_records(
        settings.daily_table, [date.fromisoformat(r["date"]) for r in delta]
    )
    counts, outcomes = reconcile(delta, loaded, reasons)
    records = [DailyRecord.from_row(row) for row in delta]
    aws.put_object(
        settings.data_bucket,
        keys.outcome(run_id),
        to_csv(
            records,
            {
                "kind": [r["kind"] for r in delta],
                "origin": [r["origin"] for r in delta],
                "outcome": [o for o, _ in outcomes],
                "reason": [reason for _, reason in outcomes],
            },
        ),
    )
    return counts


def queue_failures(settings: Settings, run_id: str) -> dict:
    """Failed records -> retry queue; settle the retry messages this run received.

    A retried record that fails again keeps its message (made visible at once), so SQS counts
    the attempt and moves it to the DLQ after maxReceiveCount runs instead of retrying forever.
    """
    outcome = read_csv(aws.get_object(settings.data_bucket, keys.outcome(run_id)) or b"")
    settlement = settle_retries(run_id, outcome, _load_retries(settings, run_id))
    aws.send_messages(settings.retry_queue_url, settlement.to_send)
    aws.make_visible(settings.retry_queue_url, settlement.to_keep)
    aws.delete_messages(settings.retry_queue_url, settlement.to_delete)
    return {
        "queued": len(settlement.to_send) + len(settlement.to_keep),
        "requeued": len(settlement.to_keep),
        "settled": len(settlement.to_delete),
    }


def commit_snapshot(settings: Settings, run_id: str) -> dict:
    """The snapshot holds every day that is loaded or handed to the retry queue.

    Counting queued days as handed over means a poison record is retried by the queue (and ends
    in the DLQ), not re-planned by the diff every day forever.
    """
    snapshot = _snapshot(settings)
    outcome = records_from_csv(aws.get_object(settings.data_bucket, keys.outcome(run_id)) or b"")
    snapshot.update({r.date: r for r in outcome})
    aws.put_object(settings.data_bucket, keys.SNAPSHOT, to_csv(sorted(snapshot.values())))
    return {"days": len(snapshot)}


# --- Ending the run -----------------------------------------------------------------------------


def finish_run(settings: Settings, state: dict) -> dict:
    """Final counts, status and duration into the run record; release the lock."""
    run_id = state["run"]["run_id"]
    run = aws.get_run(settings.runs_table, run_id) or {}
    reconcile = state["reconcile"]
    counts = {
        **run.get("counts", {}),
        "inserted": reconcile["inserted"],
        "updated": reconcile["updated"],
        "queued": state.get("queue", {}).get("queued", 0),
    }
    check = state.get("check")
    error, error_type = None, None
    if check and not check["succeeded"]:
        error_type = "LoadJobFailed"
        error = (
            f"load job {check['job_run_id']} ended {check['state']}: {check.get('error') or 'no message'}"
            f"; {counts['queued']} record(s) queued for retry"
        )
    problems = invariant_violations(counts)
    if problems:
        error_type, error = "InvariantBroken", "accounting invariant broken: " + "; ".join(problems)
    return _end_run(settings, run, run_id, counts, error, error_type)


def fail_run(settings: Settings, run_id: str, error: dict) -> dict:
    """The failure path: record the error, release the lock (if this run holds it)."""
    error_type, message = describe_error(error)
    run = aws.get_run(settings.runs_table, run_id) or {}
    return _end_run(settings, run, run_id, run.get("counts"), message, error_type)


def describe_error(error: dict) -> tuple[str, str]:
    """Step Functions' {Error, Cause} as (type, readable message); a Lambda's Cause is JSON."""
    error_type = error.get("Error", "Error")
    return error_type, cause_message(error.get("Cause")) or error_type


def _end_run(
    settings: Settings,
    run: dict,
    run_id: str,
    counts: dict | None,
    error: str | None,
    error_type: str | None,
) -> dict:
    finished = _now()
    started = run.get("started_at")
    status = "FAILED" if error else "SUCCEEDED"
    duration = round((finished - _parse_time(started)).total_seconds(), 3) if started else None
    aws.update_run(
        settings.runs_table,
        run_id,
        {
            "run_id": run_id,
            "status": status,
            "finished_at": _iso(finished),
            "duration_seconds": duration,
            "counts": counts,
            "error": error,
            "error_type": error_type,
        },
    )
    aws.release_lock(settings.runs_table, run_id)
    metrics = run_metrics(settings.runs_table, status, counts or {}, duration)
    logger().info("run metrics", extra={"fields": {"run_id": run_id, **metrics}})
    return {"status": status, "error": error or "", "error_type": error_type or ""}


def render_dashboard(settings: Settings, run_id: str) -> dict:
    """Re-render the static dashboard page from the table and the run history."""
    days = [
        {"date": r.date.isoformat(), "cases": r.cases, "deaths": r.deaths, "recovered": r.recovered}
        for r in aws.scan_records(settings.daily_table)
    ]
    runs = aws.scan_runs(settings.runs_table)
    page = dashboard.render_dashboard(days, runs, generated_at=_iso(_now()))
    aws.put_object(settings.data_bucket, keys.DASHBOARD, page.encode(), "text/html; charset=utf-8")
    return {"days": len(days), "runs": len(runs)}


def start_from_upload(settings: Settings, Records: list[dict]) -> dict:
    """One execution per uploaded object (S3 -> EventBridge -> SQS): the file replaces its source.

    The execution name is derived from the object's key, ETag and sequencer, so the same event
    delivered twice starts one execution (Step Functions refuses the second with
    ExecutionAlreadyExists) while a re-upload of the same bytes starts a new one.
    Messages that fail are reported back (partial batch failure) and retried, then go to the DLQ.
    """
    failures, started, duplicates, folders = [], 0, 0, 0
    for record in Records:
        try:
            upload = parse_upload_event(json.loads(record["body"]))
            if upload is None:
                folders += 1
            elif aws.start_execution(
                settings.state_machine_arn, upload.execution_name, upload.input
            ):
                started += 1
            else:
                duplicates += 1
        except Exception as exc:  # noqa: BLE001 - reported per message, never the whole batch
            logger().error(f"upload message {record.get('messageId')}: {type(exc).__name__}: {exc}")
            failures.append({"itemIdentifier": record["messageId"]})
    logger().info(
        f"uploads: {started} started, {duplicates} duplicate(s), {folders} folder(s) ignored, "
        f"{len(failures)} failed"
    )
    return {"batchItemFailures": failures}


def notify(settings: Settings, run_id: str) -> dict:
    run = aws.get_run(settings.runs_table, run_id)
    if run is None:
        run = {"run_id": run_id, "status": "FAILED", "error": "no run record (failed at start)"}
    dashboard_url = aws.presigned_url(
        settings.data_bucket, keys.DASHBOARD, settings.dashboard_url_ttl_seconds
    )
    subject, body = email(
        run,
        data_bucket=settings.data_bucket,
        dlq_depth=aws.queue_depth(settings.retry_dlq_url),
        dashboard_url=dashboard_url,
    )
    aws.publish(settings.status_topic_arn, subject, body)
    return {"subject": subject}
