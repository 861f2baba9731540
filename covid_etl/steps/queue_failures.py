"""QueueFailures: failed records to the SQS retry queue; settle this run's retry messages."""

from __future__ import annotations

from covid_etl import aws, datasets, keys
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.records import read_csv, settle_retries
from covid_etl.settings import Settings
from covid_etl.steps._common import read_retries

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID, "dataset": DATASET}, required=["run_id"])


def queue_failures(settings: Settings, run_id: str, dataset: str | None = None) -> dict:
    """Failed records -> retry queue; settle the retry messages this run received.

    A retried record that fails again keeps its message (made visible at once), so SQS counts
    the attempt and moves it to the DLQ after maxReceiveCount runs instead of retrying forever.
    """
    outcome = read_csv(aws.get_object(settings.data_bucket, keys.outcome(run_id)) or b"")
    spec = datasets.dataset(dataset)
    settlement = settle_retries(run_id, outcome, read_retries(settings, run_id), spec)
    aws.send_messages(settings.retry_queue_url, settlement.to_send)
    aws.make_visible(settings.retry_queue_url, settlement.to_keep)
    aws.delete_messages(settings.retry_queue_url, settlement.to_delete)
    return {
        "queued": len(settlement.to_send) + len(settlement.to_keep),
        "requeued": len(settlement.to_keep),
        "settled": len(settlement.to_delete),
    }
