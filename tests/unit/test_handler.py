"""The shared Lambda entry point: what reaches Step Functions when a step raises."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from covid_etl.handler import (
    ERROR_CHARACTERS,
    LOGGER,
    LOGGER_NAME,
    RUN_ID,
    InvalidEvent,
    cause_message,
    lambda_handler,
    schema,
)

ENV = {
    "DATA_BUCKET": "b",
    "DAILY_TABLE": "t",
    "RUNS_TABLE": "r",
    "RETRY_QUEUE_URL": "q",
    "RETRY_DLQ_URL": "d",
    "STATUS_TOPIC_ARN": "s",
}


class StepFailed(Exception):
    pass


def test_a_huge_error_message_is_shortened_and_keeps_its_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The message becomes the Cause the Catch puts in the state: 256 KB at most on AWS."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    def step(settings: object) -> dict:
        raise StepFailed("header: " + "x" * 500_000)

    with pytest.raises(StepFailed) as raised:
        lambda_handler(schema({}), step)({}, None)
    message = str(raised.value)
    assert len(message) < ERROR_CHARACTERS + 40
    assert message.startswith("header: xxx") and message.endswith("(500,008 characters)")


@pytest.mark.parametrize(
    ("cause", "message"),
    [
        (
            json.dumps({"errorMessage": "nyt: header only", "errorType": "SourceUnusable"}),
            "nyt: header only",
        ),
        ("Task timed out after 180.00 seconds", "Task timed out after 180.00 seconds"),
        (json.dumps(["not", "a", "lambda", "cause"]), json.dumps(["not", "a", "lambda", "cause"])),
        (json.dumps({"errorMessage": None}), json.dumps({"errorMessage": None})),
        ("", ""),
        (None, ""),
    ],
)
def test_a_cause_reads_as_the_lambda_error_message_else_as_is(
    cause: str | None, message: str
) -> None:
    """The one parser of a Cause: the failure path, the CLI, the progress lines and smoke."""
    assert cause_message(cause) == message


def test_an_event_against_the_schema_is_refused_naming_the_field() -> None:
    """A bug in the state machine definition: the step never runs."""

    def step(settings: object, run_id: str) -> dict:
        raise AssertionError("the step ran")

    handler = lambda_handler(schema({"run_id": {"type": "string", "minLength": 1}}), step)
    with pytest.raises(InvalidEvent, match=r"^step: data\.run_id must be longer than"):
        handler({"run_id": ""}, None)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []
        self.setFormatter(LOGGER.registered_formatter)  # the one holding the appended keys

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(self.format(record)))


def test_concurrent_invocations_each_log_their_own_run_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locally the steps of concurrent executions run in threads of one process: the keys an
    invocation appends (Powertools' thread-safe keys) stay on its own lines."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    both_started = threading.Barrier(2, timeout=30)

    def step(settings: object, run_id: str) -> dict:
        both_started.wait()  # each invocation has appended its run id
        LOGGER.info("inside")
        both_started.wait()
        return {}

    handler = lambda_handler(schema({"run_id": RUN_ID}), step)
    collect = Collect()
    logging.getLogger(LOGGER_NAME).addHandler(collect)
    try:
        threads = [threading.Thread(target=handler, args=({"run_id": r}, None)) for r in "AB"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        logging.getLogger(LOGGER_NAME).removeHandler(collect)
    inside = sorted(e["run_id"] for e in collect.entries if e["message"] == "inside")
    assert inside == ["A", "B"]
    assert {e["function"] for e in collect.entries} == {"step"}
