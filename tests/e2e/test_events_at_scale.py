"""A delta larger than one ItemBatcher batch fans out through the distributed Map: every record
loaded is published, each exactly once. 501 records: a full batch of 500 and a last one of 1, each
child sending PutEvents calls of 10. A county-size delta of 50,000 is the same path with
100 children (the count, not the byte cap, cuts its batches: tests/unit/test_fan_out_changes.py);
on moto its run takes many minutes, mostly ReconcileLoad's BatchGetItem (docs/architecture.md#events)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import boto3
from conftest import Pipeline

from covid_etl import aws
from covid_etl.events import RECORD_CHANGED

RECORDS = 501  # MaxItemsPerBatch 500: a full batch and a partial one
FIRST_DAY = date(1880, 1, 1)  # far before the shipped series: every synthetic day is new


def synthetic_sources(days: int) -> tuple[bytes, bytes]:
    """NYT and JHU files sharing ``days`` days, counts growing: a delta of ``days`` records."""
    nyt = ["date,cases,deaths"]
    jhu = ["Date,Country/Region,Province/State,Confirmed,Recovered,Deaths"]
    for i in range(days):
        day = (FIRST_DAY + timedelta(days=i)).isoformat()
        nyt.append(f"{day},{i + 10},{i}")
        jhu.append(f"{day},US,,{i + 10},{i // 2},{i}")
    return "\n".join(nyt).encode(), "\n".join(jhu).encode()


def test_a_delta_of_several_map_batches_is_published_record_for_record(pipeline: Pipeline) -> None:
    nyt, jhu = synthetic_sources(RECORDS)
    published: list[str] = []

    def count(params: dict, **_: object) -> None:
        published.extend(
            json.loads(e["Detail"])["date"]
            for e in json.loads(params["body"])["Entries"]
            if e["DetailType"] == RECORD_CHANGED
        )

    boto3.DEFAULT_SESSION.events.register("before-call.events.PutEvents", count)
    aws.reset_clients()  # clients made from now on see the counter
    try:
        result = pipeline.run(nyt=nyt, jhu=jhu)
    finally:
        boto3.DEFAULT_SESSION.events.unregister("before-call.events.PutEvents", count)
        aws.reset_clients()
    assert result.status == "SUCCEEDED", result.cause
    assert result.run["counts"]["inserted"] == RECORDS
    recorded = result.run["events"]
    assert (recorded["changed"], recorded["published"], recorded["kept"]) == (RECORDS, RECORDS, 0)
    assert recorded["error"] == ""
    assert len(published) == len(set(published)) == RECORDS
    sfn = boto3.client("stepfunctions")
    execution_arn = (
        pipeline.stack.state_machine_arn.replace(":stateMachine:", ":execution:")
        + f":{result.run_id}"
    )
    # One distributed Map run whose items are the batches: 500 + 1.
    [map_run] = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    items = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])["itemCounts"]
    assert (items["total"], items["succeeded"]) == (2, 2)
