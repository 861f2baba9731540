"""The run's counts and duration as CloudWatch metrics, in the embedded metric format (EMF).

The dimension is the runs table's name: one per deployed environment.

Lambda ships log lines to CloudWatch Logs, which turns an EMF line into metrics: no PutMetricData
call, no extra IAM action.
"""

from __future__ import annotations

import time
from typing import Any

NAMESPACE = "CovidEtl"
COUNTED = ("extracted", "rejected", "dropped_by_join", "inserted", "updated", "unchanged", "queued")


def run_metrics(
    runs_table: str, status: str, counts: dict[str, int], duration_seconds: float | None
) -> dict[str, Any]:
    values: dict[str, float] = {name: int(counts.get(name, 0)) for name in COUNTED}
    values["failed_runs"] = 1 if status == "FAILED" else 0
    units = {name: "Count" for name in values}
    if duration_seconds is not None:
        values["duration"] = float(duration_seconds)
        units["duration"] = "Seconds"
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["runs_table"]],
                    "Metrics": [{"Name": name, "Unit": unit} for name, unit in units.items()],
                }
            ],
        },
        "runs_table": runs_table,
        **values,
    }
