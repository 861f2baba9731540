"""The status email: subject and plain text from the run record. Pure.

Every value taken from the run record goes through ``_text``: an upload's key, a URL or an
error can come from outside, and a line break in one must not forge a line of the email.
"""

from __future__ import annotations

from typing import Any

from covid_etl.accounting import invariant_violations


def email(
    run: dict[str, Any], *, data_bucket: str, dlq_depth: int, dashboard_url: str | None
) -> tuple[str, str]:
    status = _text(run.get("status", "UNKNOWN"))
    run_id = _text(run["run_id"])
    counts: dict[str, int] = run.get("counts", {})
    c = {k: int(v) for k, v in counts.items()}
    subject = f"[covid-etl] {status}: run {run_id}"
    if status == "SUCCEEDED":
        subject += (
            f" ({c.get('inserted', 0)} inserted, {c.get('updated', 0)} updated, "
            f"{c.get('queued', 0)} queued)"
        )
    lines = [
        f"Run:       {run_id}",
        f"Status:    {status}",
        f"Run date:  {_text(run.get('run_date', '?'))}",
        f"Started:   {_text(run.get('started_at', '?'))}",
        f"Finished:  {_text(run.get('finished_at', '?'))}",
        f"Duration:  {_duration(run.get('duration_seconds'))}",
    ]
    if status == "AWAITING_APPROVAL":
        lines += ["", *_approval_request(run)]
    if run.get("approved_by"):
        lines.append(f"Approved by: {_text(run['approved_by'])}")
    if run.get("error"):
        lines += [
            "",
            f"Error ({_text(run.get('error_type', 'Error'))}):",
            f"  {_text(run['error'])}",
        ]
    for name, source in sorted(run.get("sources", {}).items()):
        upstream = (
            "unchanged upstream (HTTP 304)" if source.get("http_status") == 304 else "downloaded"
        )
        lines.append(
            f"Source {_text(name)}: {int(source.get('extracted', 0))} rows, "
            f"{int(source.get('rejected', 0))} rejected, {upstream}; {_text(source.get('url', ''))}"
        )
        if source.get("rejected"):
            lines.append(
                f"  rejected rows with reasons: s3://{data_bucket}/{_text(source.get('rejects_key'))}"
            )
            for reason in source.get("reject_samples", []):
                lines.append(f"  - {_text(reason)}")
    if counts:
        lines += [
            "",
            "Counts:",
            (
                f"  extracted {c.get('extracted', 0)} = rejected {c.get('rejected', 0)}"
                f" + dropped by join {c.get('dropped_by_join', 0)} + matched {c.get('matched', 0)}"
            ),
            (
                f"  joined days {c.get('joined', 0)} + retried {c.get('retried', 0)}"
                f" = inserted {c.get('inserted', 0)} + updated {c.get('updated', 0)}"
                f" + unchanged {c.get('unchanged', 0)} + queued for retry {c.get('queued', 0)}"
            ),
        ]
        if c.get("outside_window"):
            lines.append(f"  outside the backfill window: {c['outside_window']} day(s), not loaded")
        if "inserted" in counts:  # the load's counts are in: the books must balance
            problems = invariant_violations(counts)
            lines.append(
                "  accounting: OK"
                if not problems
                else "  accounting BROKEN: " + "; ".join(problems)
            )
    lines += ["", f"Dead-letter queue: {dlq_depth} record(s) that repeatedly failed to load"]
    if dlq_depth:
        lines.append(
            "  they are not retried any more: inspect them, then redrive them to the retry queue"
        )
    if dashboard_url:
        lines += ["", f"Dashboard: {_text(dashboard_url)}"]
    return subject, "\n".join(lines) + "\n"


def _approval_request(run: dict[str, Any]) -> list[str]:
    """What would change, and how to answer: the load waits for it."""
    run_id = _text(run["run_id"])
    counts = {k: int(v) for k, v in run.get("approval_counts", {}).items()}
    lines = [
        f"The load waits for an operator: {_text(run.get('approval_reason', ''))}.",
        "It would write: " + ", ".join(f"{v} {k}" for k, v in counts.items()),
        "Largest revisions (before -> after):",
    ]
    for revision in run.get("approval_revisions", []):
        before, after = revision["before"], revision["after"]
        changed = [
            f"{_text(name)} {int(before[name])} -> {int(after[name])}"
            for name in sorted(after)
            if before.get(name) != after[name]
        ]
        lines.append(f"  {_text(revision['date'])}: {', '.join(changed)}")
    timeout = run.get("approval_timeout_seconds")
    lines += [
        "",
        f"Approve:  etl approve {run_id}   (or POST /runs/{run_id}/approve)",
        f"Reject:   etl reject {run_id}    (or POST /runs/{run_id}/reject)",
        f"No answer within {int(timeout or 0)} s rejects it. Nothing is written until then.",
        "The run holds the lock meanwhile: later runs wait for it, then fail.",
        f"Plan: {_text(run.get('approval_plan_hash', ''))} (an approval loads this plan only)",
    ]
    return lines


def _text(value: Any) -> str:
    """``value`` on one line: every character that is not printable (line breaks, other
    control characters) written as its Python escape, e.g. a newline as ``\\n``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "?"
    return f"{float(seconds):.1f} s"
