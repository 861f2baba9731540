"""A large delta fans out through the distributed Map: every record loaded is published, each
exactly once. 5,000 records (10 batches of 500) here: a county-size delta of 50,000 runs the same
path, but the whole local run then takes many minutes, mostly ReconcileLoad's BatchGetItem on moto
(35 s for 5,000 records, the Map 8 s; docs/architecture.md#events)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import boto3
from conftest import Pipeline

from covid_etl import aws
from covid_etl.events import RECORD_CHANGED

RECORDS = 5_000
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


def test_a_county_size_delta_is_published_record_for_record(pipeline: Pipeline) -> None:
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
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    assert [e["type"] for e in history].count("MapRunStarted") == 1  # a distributed Map run
