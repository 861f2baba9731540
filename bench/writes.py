"""Benchmark 1: DynamoDB writes per changed row, through the real state machine on moto.

Five runs on one embedded account, each a real execution (extract over HTTP, the Lambdas, the
Glue load job): the first run on the real files, an unchanged re-run, one more day, one revised
past day, and 1 % of the joined days revised. A botocore hook on boto3's default session (the
one the handlers and the Glue script create their clients from) counts every write request and
the items it carries, per table.

The seed design reloads the whole joined file every day: its writes are the joined rows of
each run, whatever changed.

The same hook counts every AWS request the pipeline makes (not the local runner's own polling),
and the execution history of each run is kept: the cost model prices them.
"""

from __future__ import annotations

import math
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import boto3

from covid_etl.sources import JHU, NYT
from etl_tools.local.runner import embedded_aws, local_names, run_pipeline
from etl_tools.local.sources_server import DEFAULT_FILES, SourcesServer, cut_at

LAST_JOINT_DAY = date(2020, 10, 8)  # JHU's last day; NYT goes on to 2022
FIRST_RUN_AS_OF = date(2020, 10, 7)
REVISED_DAY = "2020-06-15"
REVISED_SHARE = 0.01

WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Counts:
    """AWS requests the pipeline made during one execution."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, operation)
    write_requests: Counter[str] = field(default_factory=Counter)  # table -> requests
    write_items: Counter[str] = field(default_factory=Counter)  # table -> items written


class RequestCounter:
    """Counts the requests made from the state machine's threads: handlers and the Glue job.

    moto's interpreter runs each execution in background threads; the local runner's own calls
    (start, describe, history polling, reading the outcome) stay on the main thread.
    """

    def __init__(self) -> None:
        self.counts = Counts()

    def install(self) -> None:
        boto3.DEFAULT_SESSION.events.register("before-parameter-build", self._count)

    def take(self) -> Counts:
        counts, self.counts = self.counts, Counts()
        return counts

    def _count(self, params: dict, model: Any, **_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        service = model.service_model.service_name
        self.counts.requests[(service, model.name)] += 1
        if service != "dynamodb" or model.name not in WRITE_OPERATIONS:
            return
        if model.name == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                self.counts.write_requests[table] += 1
                self.counts.write_items[table] += len(requests)
        elif model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                table = next(iter(item.values()))["TableName"]
                self.counts.write_requests[table] += 1
                self.counts.write_items[table] += 1
        else:
            self.counts.write_requests[params["TableName"]] += 1
            self.counts.write_items[params["TableName"]] += 1


@dataclass(frozen=True)
class Scenario:
    name: str
    nyt: bytes
    jhu: bytes
    as_of: date


def revise(nyt: bytes, days: set[str], extra_cases: int = 7) -> bytes:
    """The NYT file with the cumulative cases of ``days`` raised: upstream revised them."""
    lines = nyt.decode().split("\n")
    for i, line in enumerate(lines):
        fields = line.split(",")
        if fields[0] in days:
            fields[1] = str(int(fields[1]) + extra_cases)
            lines[i] = ",".join(fields)
    return "\n".join(lines).encode()


def scenarios() -> list[Scenario]:
    nyt, jhu = DEFAULT_FILES[NYT].read_bytes(), DEFAULT_FILES[JHU].read_bytes()
    joint_days = [
        line.split(",", 1)[0]
        for line in nyt.decode().splitlines()[1:]
        if line.split(",", 1)[0] <= LAST_JOINT_DAY.isoformat()
    ]
    joint_days = joint_days[1:]  # NYT starts a day before JHU
    one_percent = math.ceil(len(joint_days) * REVISED_SHARE)
    step = len(joint_days) // one_percent
    spread = {joint_days[i * step] for i in range(one_percent)}
    revised_once = revise(nyt, {REVISED_DAY})
    return [
        Scenario("first run", nyt, jhu, FIRST_RUN_AS_OF),
        Scenario("unchanged re-run", nyt, jhu, FIRST_RUN_AS_OF),
        Scenario("one more day", nyt, jhu, LAST_JOINT_DAY),
        Scenario("one revised past day", revised_once, jhu, LAST_JOINT_DAY),
        Scenario(f"{REVISED_SHARE:.0%} of rows revised", revise(revised_once, spread), jhu,
                 LAST_JOINT_DAY),
    ]  # fmt: skip


@dataclass
class RunMeasure:
    scenario: str
    run_id: str
    status: str
    counts: dict[str, int]  # the run record's
    requests: Counts
    history: list[dict[str, Any]]


def run_scenarios() -> list[RunMeasure]:
    """Every scenario, in order, on one embedded account."""
    measures = []
    with (
        tempfile.TemporaryDirectory() as state_dir,
        SourcesServer() as server,
        embedded_aws(Path(state_dir), source_urls=server.urls, save=False) as stack,
    ):
        counter = RequestCounter()
        counter.install()
        sfn = boto3.client("stepfunctions")
        for scenario in scenarios():
            server.bodies = {
                NYT: cut_at(scenario.nyt, NYT, scenario.as_of),
                JHU: cut_at(scenario.jhu, JHU, scenario.as_of),
            }
            counter.take()
            result = run_pipeline(stack, trigger={"as_of": scenario.as_of.isoformat()})
            requests = counter.take()
            if result.status != "SUCCEEDED" or result.run is None:
                raise RuntimeError(
                    f"{scenario.name}: execution {result.status}: {result.error} {result.cause}"
                )
            execution_arn = (
                stack.state_machine_arn.replace(":stateMachine:", ":execution:")
                + f":{result.run_id}"
            )
            history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
            measures.append(
                RunMeasure(
                    scenario.name,
                    result.run_id,
                    result.status,
                    {k: int(v) for k, v in result.run["counts"].items()},
                    requests,
                    history["events"],
                )
            )
    return measures


def summarize(measures: list[RunMeasure]) -> dict[str, Any]:
    daily, runs = local_names().daily_table, local_names().runs_table
    rows = []
    for m in measures:
        changed = m.counts["new"] + m.counts["revised"]
        items = m.requests.write_items[daily]
        rows.append(
            {
                "scenario": m.scenario,
                "joined_rows": m.counts["joined"],
                "changed_rows": changed,
                "write_requests": m.requests.write_requests[daily],
                "items_written": items,
                "writes_per_changed_row": items / changed if changed else None,
                "run_record_write_requests": m.requests.write_requests[runs],
                "seed_items_written": m.counts["joined"],
            }
        )
    worst = max((r["writes_per_changed_row"] or 0) for r in rows)
    unchanged = next(r for r in rows if r["changed_rows"] == 0)
    return {
        "scenarios": rows,
        "max_writes_per_changed_row": worst,
        "unchanged_day_items_written": unchanged["items_written"],
        "limit": 1.0,
    }
