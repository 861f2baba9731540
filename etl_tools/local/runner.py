"""The pipeline on an embedded AWS: moto in-process, resources named as Terraform names them.

``embedded_aws(state_dir)`` locks the state dir, creates the resources (restoring what earlier
local runs committed to its store), installs the moto bridge, and commits the state back when
the block ends normally: after an exception (Ctrl-C, a timeout) nothing is saved. ``run_pipeline``
starts one execution of the real state machine and reports each state as it finishes.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from covid_etl import aws, keys
from covid_etl.contract import FUNCTIONS
from covid_etl.datasets import DATASETS
from covid_etl.handler import LOGGER, LOGGER_NAME, cause_message
from covid_etl.settings import Settings
from covid_etl.sources import JHU, NYT
from covid_etl.triggers import new_run_id
from covid_etl.uploads import landing_key, upload_event_pattern
from etl_tools import subscribers
from etl_tools.local import moto_bridge
from etl_tools.local.moto_bridge import REPO_ROOT, Bridge, LoadFaults
from etl_tools.local.sources_server import this_process_url
from etl_tools.local.state_store import State, StateStore
from etl_tools.naming import LOCAL_ENVIRONMENT, Names
from etl_tools.statemachine import DEFINITION_PATH, render, result_paths, template_values

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
# The embedded AWS's credentials; `etl api` accepts requests signed with them.
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


RETRY_VISIBILITY_SECONDS = 900
# Local settings: the upstream is on loopback, so short timeouts keep fault tests quick.
LOCAL_HTTP = {"http_timeout_seconds": 1.0, "http_retries": 3, "http_backoff_seconds": 0.05}
SCHEDULE_INPUT = "{}"


@dataclass
class LocalStack:
    """The embedded AWS account: names, settings, and the bridge that runs our code."""

    names: Names
    settings: Settings
    bridge: Bridge
    state_dir: Path
    outbox_queue_url: str = ""
    state_machine_arn: str = ""
    # The emails read so far, written to outbox/ only with the state that produced them.
    outbox: dict[str, bytes] = field(default_factory=dict)
    store: StateStore | None = field(default=None, repr=False)  # None: not saved (save=False)

    def commit(self) -> None:
        """Save the account's state now (`etl api`, after each run); the block's end does too."""
        if self.store is not None:
            self.store.commit(_capture(self))


def local_names() -> Names:
    return Names(LOCAL_ENVIRONMENT, ACCOUNT_ID, REGION)


@contextmanager
def embedded_aws(
    state_dir: Path,
    *,
    source_urls: dict[str, str] | None = None,
    raise_in: set[str] | None = None,
    load_faults: LoadFaults | None = None,
    save: bool = True,
    compute: bool = True,
    must_exist: bool = False,
    reset: bool = False,
    settings: dict[str, Any] | None = None,
) -> Iterator[LocalStack]:
    """The embedded account; ``compute=False`` skips functions and state machine (reads only).

    ``save=False`` reads the state dir (``must_exist``: it must hold state) and never writes
    it; ``reset`` forgets its state first. See ``state_store`` for what the dir holds.
    ``settings`` overrides tunable settings (e.g. the approval thresholds) of every function.
    """
    moto_bridge.share_botocore_loader()  # before moto's imports build their sessions
    moto_bridge.defer_batch_models()  # before moto's Step Functions interpreter is imported
    from moto import mock_aws  # the local runner only: never in a Lambda package

    moto_bridge.generate_kms_private_keys_on_first_use()
    moto_bridge.serialize_item_reads_as_json()
    if compute:
        moto_bridge.parse_each_definition_once()

    for variable, value in {**LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}.items():
        os.environ[variable] = value
    os.environ.pop("AWS_PROFILE", None)
    names = local_names()
    # moto's interpreter logs every failed state with a stack dump; the run's own report says it.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with (
        StateStore.open(state_dir, writable=save, must_exist=must_exist, reset=reset) as store,
        mock_aws(config=MOTO_CONFIG),
    ):
        boto3.setup_default_session(region_name=REGION)
        # Before any client is made: a client copies the session's hooks when it is created.
        bridge = Bridge(names, load_job_arguments(names), raise_in, load_faults)
        bridge.install()
        aws.reset_clients()
        settings = replace(_create_resources(names, source_urls or {}), **(settings or {}))
        os.environ.update(settings.as_env())
        bridge.subscribers = subscribers.create_local(names, Path(state_dir))
        stack = LocalStack(names, settings, bridge, Path(state_dir), store=store if save else None)
        stack.outbox_queue_url = _subscribe_outbox(names, settings)
        if compute:
            stack.state_machine_arn = _create_compute(names, settings)
        _restore(stack, store.load())
        try:
            yield stack
            if save:  # only here: a block ended by an exception leaves the previous state
                stack.commit()
        finally:
            aws.reset_clients()


def load_job_arguments(names: Names) -> dict[str, str]:
    """The Glue job's default arguments, as Terraform sets them, with a local backoff base.

    moto never throttles by itself, so only injected faults back off: a short base keeps the
    fault tests quick without changing the retry logic.
    """
    return {
        "--data_bucket": names.data_bucket,
        "--daily_table": names.daily_table,
        "--counties_table": names.counties_table,
        "--base_delay_seconds": "0.002",
    }


def _create_resources(names: Names, source_urls: dict[str, str]) -> Settings:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=names.data_bucket)
    s3.put_bucket_versioning(
        Bucket=names.data_bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    dynamodb = aws.client("dynamodb")
    # Each dataset's table by its declared key (partition, then sort key), and the runs table.
    tables = {getattr(names, f"{spec.table}_table"): spec.table_key for spec in DATASETS.values()}
    for table, key in {**tables, names.runs_table: ("pk",)}.items():
        dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in key],
            KeySchema=[
                {"AttributeName": name, "KeyType": kind}
                for name, kind in zip(key, ("HASH", "RANGE"), strict=False)
            ],
            SSESpecification={"Enabled": True},
        )
    dynamodb.update_time_to_live(
        TableName=names.runs_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=names.retry_dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    max_receives = Settings.retry_max_receives
    retry_url = sqs.create_queue(
        QueueName=names.retry_queue,
        Attributes={
            "VisibilityTimeout": str(RETRY_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
            ),
        },
    )["QueueUrl"]
    topic_arn = aws.client("sns").create_topic(Name=names.status_topic)["TopicArn"]
    _create_upload_path(names)
    aws.client("events").create_event_bus(Name=names.event_bus)
    return Settings(
        data_bucket=names.data_bucket,
        daily_table=names.daily_table,
        counties_table=names.counties_table,
        runs_table=names.runs_table,
        retry_queue_url=retry_url,
        retry_dlq_url=dlq_url,
        status_topic_arn=topic_arn,
        nyt_url=source_urls.get("nyt", Settings.nyt_url),
        jhu_url=source_urls.get("jhu", Settings.jhu_url),
        load_poll_seconds=0,
        state_machine_arn=names.state_machine_arn,
        event_bus_name=names.event_bus,
        **LOCAL_HTTP,
    )


def _create_upload_path(names: Names) -> None:
    """S3 -> EventBridge -> SQS: the bucket's events, the rule on landing/, the buffer queue."""
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=names.upload_dlq)["QueueUrl"]
    dlq_arn = _queue_arn(dlq_url)
    queue_url = sqs.create_queue(
        QueueName=names.upload_queue,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
        },
    )["QueueUrl"]
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=names.data_bucket,
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )
    events = aws.client("events")
    events.put_rule(
        Name=names.upload_rule, EventPattern=json.dumps(upload_event_pattern(names.data_bucket))
    )
    events.put_targets(
        Rule=names.upload_rule, Targets=[{"Id": "upload-queue", "Arn": _queue_arn(queue_url)}]
    )


def _queue_arn(url: str) -> str:
    return aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]


def _subscribe_outbox(names: Names, settings: Settings) -> str:
    """Locally the status email is captured by an SQS subscription instead of a mailbox."""
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"{names.prefix}-outbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    aws.client("sns").subscribe(TopicArn=settings.status_topic_arn, Protocol="sqs", Endpoint=arn)
    return url


def _role(name: str, service: str) -> str:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    return aws.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(policy)
    )["Role"]["Arn"]


def _create_compute(names: Names, settings: Settings) -> str:
    """Lambda functions, the Glue job, the state machine and the schedule, as Terraform does."""
    lambda_client = aws.client("lambda")
    for function in FUNCTIONS:
        handler_path = REPO_ROOT / "lambdas" / function / "handler.py"
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr(
                "handler.py", handler_path.read_text() if handler_path.exists() else ""
            )
        lambda_client.create_function(
            FunctionName=names.function(function),
            Runtime="python3.11",
            Role=_role(names.function(function), "lambda.amazonaws.com"),
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
            Environment={"Variables": settings.as_env()},
            Timeout=300,
        )
    s3_script = f"s3://{settings.data_bucket}/artifacts/glue/load_job.py"
    aws.client("glue").create_job(
        Name=names.load_job,
        Role=_role(names.load_job, "glue.amazonaws.com"),
        Command={"Name": "pythonshell", "ScriptLocation": s3_script, "PythonVersion": "3.9"},
        DefaultArguments=load_job_arguments(names),
        MaxCapacity=0.0625,
    )
    definition = moto_bridge.batched_for_moto(
        render(DEFINITION_PATH.read_text(), template_values(names))
    )
    sfn = aws.client("stepfunctions")
    state_machine_arn = sfn.create_state_machine(
        name=names.state_machine,
        definition=definition,
        roleArn=_role(names.state_machine, "states.amazonaws.com"),
    )["stateMachineArn"]
    aws.client("scheduler").create_schedule(
        Name=names.schedule,
        ScheduleExpression="cron(0 6 * * ? *)",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": state_machine_arn,
            "RoleArn": _role(f"{names.schedule}-scheduler", "scheduler.amazonaws.com"),
            "Input": SCHEDULE_INPUT,
        },
    )
    return state_machine_arn


# --- State kept between local runs --------------------------------------------------------


def _capture(stack: LocalStack) -> State:
    """The account's state: the bucket's objects, both tables, the retry queues, the outputs."""
    objects = moto_bridge.bucket_objects(stack.settings.data_bucket)
    tables = {
        table: moto_bridge.table_items(table)
        for table in (
            stack.settings.daily_table,
            stack.settings.counties_table,
            stack.settings.runs_table,
        )
    }
    queues = {url: moto_bridge.dump_messages(url) for url in _kept_queues(stack)}
    files = dict(stack.outbox)
    if keys.DASHBOARD in objects:
        files["dashboard/index.html"] = objects[keys.DASHBOARD]
    return State(s3=objects, tables=tables, queues=queues, files=files)


def _kept_queues(stack: LocalStack) -> list[str]:
    """The queues whose messages outlive a command: retry, its DLQ, the subscribers' DLQs."""
    dlqs = [s.dlq_url for s in stack.bridge.subscribers]
    return [stack.settings.retry_queue_url, stack.settings.retry_dlq_url, *dlqs]


def _restore(stack: LocalStack, state: State) -> None:
    urls = {NYT: stack.settings.nyt_url, JHU: stack.settings.jhu_url}
    objects = dict(state.s3)
    for key in (keys.source_state(NYT), keys.source_state(JHU)):
        if key in objects:
            saved = json.loads(objects[key])
            url = this_process_url(saved["url"], urls)
            objects[key] = json.dumps({**saved, "url": url}).encode()
    moto_bridge.put_objects(stack.settings.data_bucket, objects)
    for table, items in state.tables.items():
        moto_bridge.put_items(table, items)
    for url in _kept_queues(stack):
        for message in state.queues.get(url, []):
            moto_bridge.restore_message(url, message["body"], message["receive_count"])


# --- One execution ---------------------------------------------------------------------------


@dataclass
class RunResult:
    run_id: str
    status: str  # the execution's: SUCCEEDED | FAILED | ...
    error: str | None
    cause: str | None
    run: dict[str, Any] | None
    email_subject: str | None
    email_body: str | None
    # The execution waits for an approval (RequestApproval's task token): still RUNNING.
    paused: bool = False


STATE_TIMINGS = "state timings"  # the run log's line that `etl show` reads


def run_pipeline(
    stack: LocalStack,
    *,
    trigger: dict[str, Any] | None = None,
    run_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    timeout_seconds: float = 600,
) -> RunResult:
    """Start an execution with the schedule's input (plus ``trigger``) and wait for its end."""
    run_id = run_id or new_run_id()
    schedule = aws.client("scheduler").get_schedule(Name=stack.names.schedule)
    execution_input = {**json.loads(schedule["Target"]["Input"]), **(trigger or {})}
    with logs_to(stack.state_dir / "logs" / f"{run_id}.jsonl"):
        aws.client("stepfunctions").start_execution(
            stateMachineArn=stack.state_machine_arn, name=run_id, input=json.dumps(execution_input)
        )
        return follow_run(stack, run_id, progress=progress, timeout_seconds=timeout_seconds)


def follow_run(
    stack: LocalStack,
    run_id: str,
    *,
    progress: Callable[[str], None] | None = None,
    timeout_seconds: float = 600,
) -> RunResult:
    """Wait for a started execution to end, reporting each state; collect its record and email.

    Call it inside ``logs_to``: the handlers' log lines go wherever that points.
    """
    sfn = aws.client("stepfunctions")
    execution_arn = stack.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{run_id}"
    description, state_seconds, paused = _wait(sfn, execution_arn, progress, timeout_seconds)
    # moto keeps the execution history in this process only: `etl show` reads the timings here
    LOGGER.info(STATE_TIMINGS, extra={"run_id": run_id, "state_seconds": state_seconds})
    run = aws.get_run(stack.settings.runs_table, run_id)
    subject, body = _read_email(stack, run_id)
    return RunResult(
        run_id=run_id,
        status=description["status"],
        error=description.get("error"),
        cause=description.get("cause"),
        run=run,
        email_subject=subject,
        email_body=body,
        paused=paused,
    )


class _LogPerRun(logging.Handler):
    """Each line into ``<folder>/<its run_id>.jsonl``: two runs of one command (an upload batch)
    keep separate logs; a line of no run (the upload trigger's own) goes to the command's file."""

    def __init__(self, command_log: Path) -> None:
        super().__init__()
        self.command_log = command_log
        # Powertools' own formatter: it holds the keys each invocation appends (the run id).
        self.setFormatter(LOGGER.registered_formatter)

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        run_id = str(json.loads(line).get("run_id") or "")
        named = re.fullmatch(r"[A-Za-z0-9_-]{1,80}", run_id)  # an execution name: no path in it
        path = self.command_log.with_name(f"{run_id}.jsonl") if named else self.command_log
        with path.open("a") as log:
            log.write(line + "\n")


@contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """Locally the handlers' JSON log lines go to the runs' log files, not the terminal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger(LOGGER_NAME)
    saved = (list(log.handlers), log.propagate, log.level)
    log.handlers = [_LogPerRun(path)]
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.handlers, log.propagate, _ = saved
        log.setLevel(saved[2])


# How often the status and the new history events are read: often, so a run's end is seen at
# once; both come from moto's interpreter without the API's serializer (moto_bridge), and the
# execution is described through the API once, when it ended or paused.
POLL_SECONDS = 0.05


def _wait(
    sfn: Any, execution_arn: str, progress: Callable[[str], None] | None, timeout: float
) -> tuple[dict, dict[str, float], bool]:
    """The execution's description once it ended or paused for a task token, the seconds spent
    in each state, and whether it paused (a waiting task's TaskSubmitted event came last)."""
    deadline = time.monotonic() + timeout
    seen = 0
    last: dict | None = None
    entered: dict[str, datetime] = {}
    state_seconds: dict[str, float] = {}
    while True:
        ended = moto_bridge.execution_status(execution_arn) != "RUNNING"
        # Read after the status: an ended execution's events are all there.
        for event in moto_bridge.execution_events(execution_arn, seen):
            line = _progress_line(event, entered, state_seconds)
            if line and progress:
                progress(line)
            seen += 1
            last = event
        paused = not ended and last is not None and _waits_for_token(last)
        if ended or paused:
            return sfn.describe_execution(executionArn=execution_arn), state_seconds, paused
        if time.monotonic() > deadline:
            sfn.stop_execution(executionArn=execution_arn, error="Timeout")
            raise TimeoutError(f"execution still running after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def _waits_for_token(event: dict) -> bool:
    details = event.get("taskSubmittedEventDetails", {})
    return event["type"] == "TaskSubmitted" and "waitForTaskToken" in details.get("resource", "")


def _progress_line(
    event: dict, entered: dict[str, datetime], state_seconds: dict[str, float]
) -> str | None:
    """The progress line of a state that ended or failed; adds its time to ``state_seconds``."""
    kind = event["type"]
    if kind.endswith("StateEntered"):
        entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
        return None
    if kind.endswith("StateExited"):
        details = event["stateExitedEventDetails"]
        name = details["name"]
        seconds = (event["timestamp"] - entered.get(name, event["timestamp"])).total_seconds()
        state_seconds[name] = state_seconds.get(name, 0.0) + seconds  # a polling loop adds up
        return f"  {name:<22} {seconds:6.2f} s  {summarize_output(name, details.get('output'))}"
    if kind in ("TaskFailed", "LambdaFunctionFailed", "ExecutionFailed"):
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        return f"  ! {kind}: {details.get('error', '')} {cause_message(details.get('cause'))}"
    return None


def state_result(payload: Any, result_path: str | None) -> Any:
    """The value at a ResultPath ("$", "$.a.b") of a state's output; {} where there is none."""
    if result_path is None:
        return {}
    for field_name in result_path.removeprefix("$").split(".")[1:]:
        payload = payload.get(field_name, {}) if isinstance(payload, dict) else {}
    return payload


def summarize_output(state: str, output: str | None) -> str:
    """The numbers worth a progress line from what the state added to the payload."""
    try:
        payload = json.loads(output or "{}")
    except ValueError:
        return ""
    result = state_result(payload, result_paths().get(state))
    if state == "Extract":
        return "  ".join(
            f"{s}: {r.get('extracted')} rows, {r.get('rejected')} rejected"
            for s, r in result.items()
            # Not a source's result (the input's own "sources": URLs, when Extract failed), or
            # a source the run's dataset does not declare.
            if isinstance(r, dict) and r.get("in_dataset", True)
        )
    if not isinstance(result, dict):
        return ""
    shown = {
        k: v
        for k, v in result.items()
        if isinstance(v, int | str)
        and not isinstance(v, bool)
        and not k.endswith("_key")
        and k not in ("run_id", "url", "error", "source", "subject", "plan_hash")
    }
    if state == "GetLoadJob":
        shown = {"state": result.get("state")}
    return " ".join(f"{k}={v}" for k, v in shown.items() if v not in ("", None))


def upload(stack: LocalStack, path: Path, source: str) -> str:
    """Put a file in the landing area, as a partner would; S3 emits the event to EventBridge."""
    key = landing_key(source, path.name)
    aws.put_object(stack.settings.data_bucket, key, path.read_bytes())
    return key


def deliver_uploads(stack: LocalStack) -> list[str]:
    """What the SQS event source mapping does: the queued upload events, in batches, to
    start_from_upload; messages it reports as failed stay queued. Returns the executions it
    started."""
    sfn = aws.client("stepfunctions")
    before = _execution_names(sfn, stack.state_machine_arn)
    queue_url = aws.client("sqs").get_queue_url(QueueName=stack.names.upload_queue)["QueueUrl"]
    while messages := aws.receive_all(queue_url, visibility_seconds=60, limit=10):
        records = [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
            for m in messages
        ]
        response = aws.client("lambda").invoke(
            FunctionName=stack.names.function("start_from_upload"),
            Payload=json.dumps({"Records": records}).encode(),
        )
        failed = {
            f["itemIdentifier"] for f in json.loads(response["Payload"].read())["batchItemFailures"]
        }
        aws.delete_messages(
            queue_url, [r["receiptHandle"] for r in records if r["messageId"] not in failed]
        )
        if failed:
            break  # the failed ones come back after their visibility timeout, as on AWS
    return sorted(_execution_names(sfn, stack.state_machine_arn) - before)


def _execution_names(sfn: Any, state_machine_arn: str) -> set[str]:
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn)
    return {e["name"] for page in pages for e in page["executions"]}


def _read_email(stack: LocalStack, run_id: str) -> tuple[str | None, str | None]:
    messages = aws.receive_all(stack.outbox_queue_url, visibility_seconds=30)
    found: tuple[str | None, str | None] = (None, None)
    for message in messages:
        envelope = json.loads(message["Body"])
        if run_id in envelope.get("Subject", ""):
            found = (envelope["Subject"], envelope["Message"])
    aws.delete_messages(stack.outbox_queue_url, [m["ReceiptHandle"] for m in messages])
    if found[0]:
        stack.outbox[f"outbox/{run_id}.txt"] = f"Subject: {found[0]}\n\n{found[1]}".encode()
    return found
