"""CollectRetries: receive the records earlier runs failed to load."""

from __future__ import annotations

import json

from covid_etl import aws, keys
from covid_etl.datasets import DEFAULT
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID, "dataset": DATASET}, required=["run_id"])


def collect_retries(settings: Settings, run_id: str, dataset: str | None = None) -> dict:
    """Receive the queued records; they stay in the queue, hidden, until the run settles them.

    The queue is shared by the datasets: a message of another dataset (its body's ``dataset``,
    none: the default) is given back at once, for a run of its own dataset to settle.
    """
    messages = aws.receive_all(settings.retry_queue_url, settings.lock_lease_seconds)
    entries = []
    others = []
    for message in messages:
        body = json.loads(message["Body"])
        if body.get("dataset", DEFAULT) != (dataset or DEFAULT):
            others.append(message["ReceiptHandle"])
            continue
        entries.append(
            {
                "receipt_handle": message["ReceiptHandle"],
                "receive_count": int(message["Attributes"]["ApproximateReceiveCount"]),
                "from_run": body["run_id"],
                "kind": body["kind"],
                "record": body["record"],
            }
        )
    aws.make_visible(settings.retry_queue_url, others)
    aws.put_object(
        settings.data_bucket, keys.retries(run_id), json.dumps(entries).encode(), "application/json"
    )
    return {"received": len(entries)}
