"""StartRun: take the run lock, create the run record, resolve the sources."""

from __future__ import annotations

from datetime import date
from typing import Any

from covid_etl import aws
from covid_etl.datasets import DEFAULT, Dataset, UnknownDataset, dataset
from covid_etl.handler import DAY, RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.sources import SOURCES
from covid_etl.steps._common import iso, now, parse_time

# The input the state machine passes (the handler validates it before the step runs).
URL = {"type": "string", "pattern": "^(https?|s3)://"}
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "started_at": {"type": "string"},
        "trigger": {
            "type": "object",
            "properties": {
                "as_of": DAY,
                # Absent: the default dataset (us); an unknown name fails the run readably.
                "dataset": {"type": "string"},
                # Only the sources the dataset declares (checked against its spec).
                "sources": {
                    "type": "object",
                    "properties": dict.fromkeys(SOURCES, URL),
                    "additionalProperties": False,
                },
                "rebuild": {"type": "boolean"},
                # Who started the run, when it says so (the REST API: "api" and the caller).
                "trigger": {"type": "string"},
                "started_by": {"type": "string"},
                # An approval given to this exact plan (the local runner's resume: etl approve).
                "approval": schema(
                    {
                        "plan_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "approved_by": {"type": "string", "minLength": 1},
                    }
                ),
                "window": {
                    "type": "object",
                    "properties": {"from": DAY, "to": DAY},
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
    }
)


class RunInProgress(Exception):
    """Another run holds the lock: this one must touch nothing."""


class InvalidInput(Exception):
    """The execution input is not usable."""


def start_run(settings: Settings, run_id: str, started_at: str, trigger: dict[str, Any]) -> dict:
    run_date = _run_date(trigger.get("as_of"))
    rebuild = _rebuild(trigger)
    spec = _dataset(trigger)
    started_at = iso(parse_time(started_at))
    sources = settings.source_urls(spec) | _sources(spec, trigger.get("sources", {}))
    try:
        aws.acquire_lock(
            settings.runs_table,
            run_id,
            started_at,
            int(now().timestamp()),
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
            "dataset": spec.name,
            "trigger": trigger,
        },
    )
    return {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "dataset": spec.name,
        # The dataset's sources only: the state machine extracts a source only if it is here.
        "sources": sources,
        "window": _window(trigger.get("window", {})),
        "rebuild": rebuild,
        "load_poll_seconds": settings.load_poll_seconds,
        "approval_timeout_seconds": settings.approval_timeout_seconds,
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


def _dataset(trigger: dict[str, Any]) -> Dataset:
    try:
        return dataset(trigger.get("dataset"))
    except UnknownDataset as exc:
        raise InvalidInput(str(exc)) from None


def _sources(spec: Dataset, urls: dict[str, str]) -> dict[str, str]:
    """The input's source URLs; one the dataset does not declare is refused, not ignored."""
    foreign = sorted(set(urls) - set(spec.sources))
    if foreign:
        raise InvalidInput(
            f"dataset {spec.name} has no source {', '.join(foreign)} "
            f"(its sources: {', '.join(spec.sources)})"
        )
    return urls


def _rebuild(trigger: dict[str, Any]) -> bool:
    """A rebuild recomputes every day: a window would leave the rest of the table unchecked."""
    rebuild = bool(trigger.get("rebuild"))  # the handler's schema allows a boolean only
    if rebuild and trigger.get("window"):
        raise InvalidInput("a rebuild covers every day: it takes no window")
    if rebuild and trigger.get("dataset", DEFAULT) != DEFAULT:
        raise InvalidInput(f"a rebuild covers the default dataset ({DEFAULT}) only")
    return rebuild


def _run_date(as_of: str | None) -> date:
    if as_of is None:
        return now().date()
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        raise InvalidInput(f"as_of must be YYYY-MM-DD, got {as_of!r}") from None
