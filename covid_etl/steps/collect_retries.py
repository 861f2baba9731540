"""CollectRetries: receive the records earlier runs failed to load."""

from __future__ import annotations

import json

from covid_etl import aws, keys
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID})


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
