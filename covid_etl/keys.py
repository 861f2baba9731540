"""Where each step's data lives in the data bucket: derived from the run id, never passed around."""

from __future__ import annotations

DASHBOARD = "dashboard/index.html"


def snapshot(table: str) -> str:
    """A dataset's snapshot, named after its table: snapshot/daily.csv, snapshot/counties.csv."""
    return f"snapshot/{table}.csv"


SNAPSHOT = snapshot("daily")  # the default dataset's (us)


def raw(run_id: str, source: str) -> str:
    return f"raw/{run_id}/{source}.csv"


def valid(run_id: str, source: str) -> str:
    return f"staged/{run_id}/{source}.valid.csv"


def rejects(run_id: str, source: str) -> str:
    return f"rejects/{run_id}/{source}.csv"


def daily(run_id: str) -> str:
    return f"staged/{run_id}/daily.csv"


def retries(run_id: str) -> str:
    return f"staged/{run_id}/retries.json"


def delta(run_id: str) -> str:
    return f"staged/{run_id}/delta.csv"


def outcome(run_id: str) -> str:
    return f"staged/{run_id}/outcome.csv"


def changes(run_id: str) -> str:
    """The records this run loaded, before -> after: the items of the FanOutChanges Map."""
    return f"staged/{run_id}/changes.json"


def processed(run_date: str, run_id: str, table: str = "daily") -> str:
    """The processed zone: the staged days as Parquet, one partition per load date. Another
    dataset's files are a folder deeper (processed/counties/...), out of the tables and views
    over the national series (Athena's projection and DuckDB read processed/load_date=*/ only)."""
    folder = "" if table == "daily" else f"{table}/"
    return f"processed/{folder}load_date={run_date}/{run_id}.parquet"


def failures(run_id: str) -> str:
    return f"failures/{run_id}.csv"


def source_state(source: str) -> str:
    return f"state/sources/{source}.json"


def rebuild_plan(run_id: str) -> str:
    """The Rebuild job's plan counts: submitJob.sync returns the job's description, not this."""
    return f"staged/{run_id}/rebuild-plan.json"


def unpublished(run_id: str, batch: str) -> str:
    """Events EventBridge refused after every retry, kept per batch (a first day, or "run")."""
    return f"events/{run_id}/unpublished-{batch}.json"
