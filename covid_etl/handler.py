"""What every Lambda handler shares: event validation, settings, JSON logs with the run id.

A handler module is one line, ``handler = lambda_handler(SCHEMA, some_step)``, with the step
and its input SCHEMA imported from their module, ``covid_etl/steps/<function>.py``.
Exceptions propagate: their class name becomes the Step Functions error name (RunInProgress,
SourceUnusable, SourceUnavailable, ...), which the state machine's Retry and Catch match on;
AWS throttling and 5xx errors become TransientAwsError, which every Task retries.
Their message becomes the Cause, which the Catch puts in the state (256 KB at most on Step
Functions, or the run ends with States.DataLimitExceeded, which no Catch sees): a message over
ERROR_CHARACTERS is shortened; the whole one is in the function's log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import fastjsonschema
from aws_lambda_powertools import Logger

from covid_etl import aws
from covid_etl.datasets import DATASETS
from covid_etl.settings import Settings
from covid_etl.sources import shorten

LOGGER_NAME = "covid_etl"
ERROR_CHARACTERS = 2_000


class InvalidEvent(Exception):
    """The handler's input does not match its schema: a bug in the state machine definition."""


# Powertools' Logger: one JSON object per line on stdout (what CloudWatch Logs receives), UTC
# timestamps in RFC 3339. Each invocation appends its function and run id to every line; the keys
# are thread-safe because locally the steps of concurrent executions run in threads of one process.
LOGGER = Logger(service=LOGGER_NAME, use_rfc3339=True)


def cause_message(cause: str | None) -> str:
    """The readable message of a Step Functions Cause: a Lambda's Cause is JSON holding the
    exception's errorMessage; any other Cause (States.Timeout, a Glue error) is shown as is."""
    try:
        parsed = json.loads(cause or "")
    except ValueError:
        return cause or ""
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message if isinstance(message, str) else cause or ""


def run_id_of(event: dict[str, Any]) -> str | None:
    if isinstance(event.get("run_id"), str):
        return event["run_id"]
    run = event.get("run")
    return run.get("run_id") if isinstance(run, dict) else None


def lambda_handler(
    schema: dict[str, Any], step: Callable[..., dict[str, Any]], *, whole_event: bool = False
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Build a Lambda entry point that validates the event and calls ``step(settings, ...)``.

    The event's top-level fields become keyword arguments, or, with ``whole_event``, the event is
    passed as one ``state`` argument (for steps that read the whole state machine payload).
    """
    # fastjsonschema compiles the schema into a Python function once, at init: importing it
    # costs a few milliseconds where jsonschema's import cost a third of boto3's (cold start).
    validate = fastjsonschema.compile(schema)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        LOGGER.thread_safe_append_keys(
            function=getattr(context, "function_name", step.__name__), run_id=run_id_of(event)
        )
        try:
            return _validated_step(event)
        finally:
            LOGGER.thread_safe_clear_keys()

    def _validated_step(event: dict[str, Any]) -> dict[str, Any]:
        try:
            validate(event)
        except fastjsonschema.JsonSchemaValueException as invalid:
            LOGGER.error("invalid event")
            raise InvalidEvent(f"{step.__name__}: {invalid.message}") from invalid
        started = time.perf_counter()
        LOGGER.info("start")
        try:
            settings = Settings.from_env()
            result = step(settings, event) if whole_event else step(settings, **event)
        except Exception as exc:
            # The one place AWS throttling and 5xx errors become the retried TransientAwsError.
            error = aws.transient(exc) or exc
            LOGGER.error(
                f"{type(error).__name__}: {exc}", extra={"error_type": type(error).__name__}
            )
            if len(message := str(error)) > ERROR_CHARACTERS:
                error.args = (shorten(message, ERROR_CHARACTERS),)
            if error is not exc:
                raise error from exc
            raise
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        LOGGER.info("done", extra={"duration_ms": duration_ms, "result": result})
        return result

    return handler


RUN_ID = {"type": "string", "minLength": 1, "maxLength": 80}
DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# The dataset a run loads (covid_etl.datasets), as start_run resolved it: always present after it.
DATASET = {"enum": list(DATASETS)}


def schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object schema requiring every listed property unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
