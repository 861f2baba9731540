"""Other ways in and out: an uploaded file, a backfill window, the DLQ redrive, Parquet output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import JHU_BYTES, Pipeline, independent_join, revised_nyt

from covid_etl import aws, keys
from covid_etl.accounting import invariant_violations
from covid_etl.uploads import landing_key
from etl_tools.local.moto_bridge import move_messages
from etl_tools.local.runner import deliver_uploads, follow_run, logs_to, upload


def test_an_upload_runs_the_pipeline_and_every_put_gets_its_own_run(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    assert pipeline.run().status == "SUCCEEDED"
    partner_file = tmp_path / "us.csv"
    partner_file.write_bytes(revised_nyt("2020-06-10", bump=4))
    stack = pipeline.stack
    with logs_to(tmp_path / "upload.jsonl"):
        upload(stack, partner_file, "nyt")
        [run_id] = deliver_uploads(stack)
        result = follow_run(stack, run_id)
        assert result.status == "SUCCEEDED"
        counts = result.run["counts"]
        assert (counts["revised"], counts["updated"]) == (1, 1)
        assert invariant_violations(counts) == []
        source = result.run["sources"]["nyt"]["url"]
        assert source == f"s3://{stack.settings.data_bucket}/{landing_key('nyt', 'us.csv')}"
        assert pipeline.table() == independent_join(partner_file.read_bytes(), JHU_BYTES)
        # The same bytes put again are a new upload (a new version, as S3's sequencer says on
        # AWS): a run of its own, the first run's record kept.
        upload(stack, partner_file, "nyt")
        [same_bytes] = deliver_uploads(stack)
        assert same_bytes != run_id
        assert follow_run(stack, same_bytes).run["counts"]["unchanged"] == counts["joined"]
        assert aws.get_run(stack.settings.runs_table, run_id)["counts"] == counts
        # (A changed file is a new put all the more: tests/unit/test_upload_names.py.)


def test_an_upload_the_pipeline_cannot_use_is_reported_not_dropped(pipeline: Pipeline) -> None:
    stack = pipeline.stack
    aws.put_object(stack.settings.data_bucket, "landing/cdc/us.csv", b"date,cases\n")
    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=stack.names.upload_queue)["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0)["Messages"]
    response = boto3.client("lambda").invoke(
        FunctionName=stack.names.function("start_from_upload"),
        Payload=json.dumps(
            {"Records": [{"messageId": message["MessageId"], "body": message["Body"]}]}
        ).encode(),
    )
    failures = json.loads(response["Payload"].read())["batchItemFailures"]
    assert failures == [{"itemIdentifier": message["MessageId"]}]
    # Reported as failed, the message stays queued (and reaches the upload DLQ after 5 tries).
    assert deliver_uploads(stack) == []
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (
        int(attributes["ApproximateNumberOfMessages"])
        + int(attributes["ApproximateNumberOfMessagesNotVisible"])
        == 1
    )
    sqs.purge_queue(QueueUrl=queue_url)


def test_a_backfill_window_loads_only_that_window(pipeline: Pipeline) -> None:
    assert pipeline.run().status == "SUCCEEDED"
    source = revised_nyt("2020-04-10", "2020-04-11", "2020-08-01", bump=2)
    pipeline.server.bodies = {"nyt": source, "jhu": JHU_BYTES}
    from etl_tools.local.runner import run_pipeline

    result = run_pipeline(
        pipeline.stack, trigger={"window": {"from": "2020-04-01", "to": "2020-04-30"}}
    )
    counts = result.run["counts"]
    assert result.status == "SUCCEEDED"
    assert (counts["joined"], counts["updated"], counts["unchanged"]) == (30, 2, 28)
    assert counts["outside_window"] == 261 - 30
    assert "outside the backfill window: 231 day(s)" in result.email_body
    assert invariant_violations(counts) == []
    loaded = {r.date.isoformat(): r for r in pipeline.table()}
    expected = {r.date.isoformat(): r for r in independent_join(source, JHU_BYTES)}
    assert loaded["2020-04-10"] == expected["2020-04-10"]
    assert loaded["2020-08-01"] != expected["2020-08-01"], "outside the window: not touched"


def test_redrive_moves_dlq_messages_back_and_the_next_load_writes_them_and_its_parquet(
    pipeline: Pipeline,
) -> None:
    """Two records of 2020-09-09 sat in the DLQ: the day's current value, which never reached the
    table, and an older one that upstream corrected since. The redrive loads the first; the
    stale one is never written over it. The load writes its staged days as Parquet too."""
    assert pipeline.run().status == "SUCCEEDED"
    settings = pipeline.stack.settings
    [current] = [r for r in pipeline.table() if r.date.isoformat() == "2020-09-09"]
    boto3.client("dynamodb").delete_item(
        TableName=settings.daily_table, Key={"date": {"S": "2020-09-09"}}
    )
    stale = {**current.as_row(), "cases": str(current.cases - 100)}
    for record in (current.as_row(), stale):
        body = json.dumps({"run_id": "run-old", "kind": "revised", "record": record, "reason": "x"})
        boto3.client("sqs").send_message(QueueUrl=settings.retry_dlq_url, MessageBody=body)
    assert move_messages(settings.retry_dlq_url, settings.retry_queue_url) == 2
    assert pipeline.dlq_bodies() == [] and len(pipeline.retry_queue()) == 2
    result = pipeline.run()
    counts = result.run["counts"]
    assert (counts["retried"], counts["superseded"], counts["updated"]) == (1, 1, 1)
    assert counts["queued"] == 0 and invariant_violations(counts) == []
    assert [r for r in pipeline.table() if r.date == current.date] == [current]
    assert pipeline.retry_queue() == []
    assert pipeline.table() == independent_join()
    # The load's Parquet object: every joined day, stamped with the write time of the item it
    # wrote (the SQL layer's "newest" order).
    data = aws.get_object(
        pipeline.stack.settings.data_bucket, keys.processed(result.run["run_date"], result.run_id)
    )
    table = pq.read_table(io.BytesIO(data))
    assert table.schema == pa.schema(
        [
            ("date", pa.date32()),
            ("cases", pa.int64()),
            ("deaths", pa.int64()),
            ("recovered", pa.int64()),
            ("loaded_at", pa.string()),
        ]
    )
    item = boto3.client("dynamodb").get_item(
        TableName=pipeline.stack.settings.daily_table, Key={"date": {"S": "2020-09-09"}}
    )["Item"]
    assert set(table.column("loaded_at").to_pylist()) == {item["loaded_at"]["S"]}
    assert table.num_rows == result.run["counts"]["joined"] == 261
    assert table.column("date").to_pylist() == [r.date for r in pipeline.table()]
