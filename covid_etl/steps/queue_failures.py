"""QueueFailures: failed records to the SQS retry queue; settle this run's retry messages."""

from __future__ import annotations

from covid_etl import aws, datasets, keys
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.records import settle_retries
from covid_etl.settings import Settings
from covid_etl.steps._common import batches, csv_rows, read_retries

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID, "dataset": DATASET}, required=["run_id"])

# Messages held before they are sent (SendMessageBatch sends 10 a call).
SEND_ROWS = 1000


def queue_failures(settings: Settings, run_id: str, dataset: str | None = None) -> dict:
    """Failed records -> retry queue; settle the retry messages this run received.

    A retried record that fails again keeps its message (made visible at once), so SQS counts
    the attempt and moves it to the DLQ after maxReceiveCount runs instead of retrying forever.
    The outcome is streamed and its failures sent a batch at a time: memory holds the retries
    received, not the outcome (every row of a county first load whose load failed).
    """
    spec = datasets.dataset(dataset)
    outcome = csv_rows(settings, keys.outcome(run_id))
    settlement = settle_retries(run_id, outcome, read_retries(settings, run_id), spec)
    sent = 0
    for messages in batches(settlement.to_send, SEND_ROWS):
        aws.send_messages(settings.retry_queue_url, messages)
        sent += len(messages)
    aws.make_visible(settings.retry_queue_url, settlement.to_keep)
    aws.delete_messages(settings.retry_queue_url, settlement.to_delete)
    return {
        "queued": sent + len(settlement.to_keep),
        "requeued": len(settlement.to_keep),
        "settled": len(settlement.to_delete),
    }
