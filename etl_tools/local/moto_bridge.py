"""The one bridge between moto and the real code: what moto cannot do by itself, done here.

moto runs the real statemachine.asl.json in its Step Functions interpreter, but
- without Docker it cannot run a Lambda handler: ``before-call.lambda.Invoke`` is answered
  here by importing lambdas/<name>/handler.py and calling it in-process; an exception becomes
  a Lambda function error (``FunctionError: Unhandled``), so Retry/Catch behave as on AWS;
- it never runs a Glue script: ``before-call.glue.StartJobRun`` runs glue/load_job.py in-process
  and ``before-call.glue.GetJobRun`` reports how it ended. The script imports covid_etl.records:
  on AWS from the wheel its --extra-py-files names (etl_tools/packaging.py builds it from this
  covid_etl folder, whole), here from the same folder, installed in this environment;
- it cannot run a container: ``before-call.batch.SubmitJob`` (the Rebuild state's
  ``batch:submitJob.sync``) runs the job image's entrypoint, ``covid_etl.rebuild``, in-process
  with the arguments the job definition's command would get, and ``before-call.batch.DescribeJobs``
  (the interpreter's .sync polling) reports how it ended. moto's interpreter also hands the
  state's PascalCase fields (``JobName``) to boto3 unchanged, where Step Functions maps them to
  the API's camelCase (``jobName``): ``provide-client-params.batch.SubmitJob`` does that here;
  the answers use the casing moto's interpreter reads (``JobId`` of SubmitJob, ``status`` of
  DescribeJobs). The Rebuild state keeps no part of the answer (ResultPath null), so nothing
  downstream depends on that casing;
- it has no SQS StartMessageMoveTask: ``move_messages`` redrives the DLQ locally;
- its SendTaskFailure drops the ``cause`` (the approval gate's "rejected by <who>"):
  ``before-call.states.SendTaskFailure`` hands error and cause to its interpreter itself;
- it serves no API Gateway HTTP API: ``etl api`` (etl_tools/api_server.py) matches the routes,
  checks SigV4 (etl_tools/local/sigv4.py) and invokes the `api` function through this bridge;
- its ASL parser knows no ``ItemBatcher``: ``batched_for_moto`` rewrites a distributed Map that
  batches into one whose ItemReader reads ready-made batches that ``after-call.s3.GetObject``
  cuts here from the object's JSON array, and whose ItemSelector hands each child the same
  ``{"BatchInput", "Items"}`` input AWS gives it (MaxItemsPerBatch honoured; the byte cap, which
  only lowers the batch size, is not);
- it delivers bus events to SQS targets only, never to API destinations: ``after-call.events.
  PutEvents`` delivers each event the pipeline puts on its bus to the local subscribers whose
  pattern matches it (moto's own matcher), as an HTTP POST of the EventBridge event to their URL
  (2 attempts), and an event still refused goes to the subscriber's DLQ, as on AWS;
- keeping SQS messages between local runs would reset their receive count: ``dump_messages``
  and ``restore_message`` read and set it on moto's message objects;
- putting the saved objects back through the API would raise an S3 event for each (a saved
  landing/ file would start a run in every later command): ``put_objects`` writes them into
  moto's S3 backend without notifications;
- its GetExecutionHistory has no paging and serializes the whole history on every call (a
  runner polling it spent ~40 % of a run there): ``execution_events`` reads only the events
  added since the last read from the interpreter's event list, and ``execution_status`` the
  status without DescribeExecution's serializing.

These things only make the embedded AWS faster (nothing the pipeline sees changes):
``share_botocore_loader`` gives every botocore session one data loader,
``parse_each_definition_once`` keeps the syntax tree of a definition moto's interpreter
already parsed, ``defer_batch_models`` leaves moto's Batch and EC2 models unimported until
something asks for them, ``generate_kms_private_keys_on_first_use`` spares KMS keys the RSA
key generation no operation of ours reads, ``serialize_item_reads_as_json`` answers DynamoDB's
item reads without moto's shape walk, ``execution_events`` and ``execution_status`` are how the
runner follows an execution, and ``bucket_objects``, ``table_items``, ``put_objects`` and
``put_items`` read and write the saved state in moto's backends, without the API's
serializing. With SendTaskFailure and the SQS messages they are the only uses of moto
internals, hence the exact moto pin.

It also records every AWS call each handler and the Glue job make (for the least-privilege
check) and injects the faults the tests and ``etl run --fault`` ask for.

The hooks are registered on boto3's default session: moto's interpreter and our code create
their clients from it. Register after entering ``mock_aws`` and after the session exists.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import io
import json
import re
import sys
import threading
import traceback
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import unquote

import boto3
import botocore.loaders
import botocore.session
from botocore.response import StreamingBody

from covid_etl import aws, rebuild
from covid_etl.contract import FUNCTIONS
from covid_etl.handler import LOGGER
from etl_tools.naming import Names
from etl_tools.permissions import iam_actions

REPO_ROOT = Path(__file__).resolve().parents[2]
LOAD_JOB = "load_job"
REBUILD_JOB = "rebuild_job"
# The key suffix of a batched ItemReader's object, as ``batched_for_moto`` writes it.
BATCHES_SUFFIX = re.compile(r"\.batches-of-(\d+)$")


class InjectedFault(Exception):
    """Raised where a fault was injected."""


@dataclass
class LoadFaults:
    """Faults of the Glue load job and its DynamoDB writes; the counters say which fired."""

    fail: bool = False  # the job run ends FAILED before writing anything
    throttle_batches: int = 0  # the first N BatchWriteItem calls are throttled (transient)
    unprocessed_days: set[str] = field(default_factory=set)  # these days are never written
    failed_runs: int = 0
    throttled: int = 0
    held_days: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Subscriber:
    """A local subscription (<state dir>/subscribers.json, Terraform's declaration format)."""

    name: str
    url: str
    pattern: dict[str, Any]
    dlq_url: str


# EventBridge retries a refused delivery for up to 24 h; locally twice at once, then the DLQ.
DELIVERY_ATTEMPTS = 2
DELIVERY_TIMEOUT_SECONDS = 2


def post_event(url: str, event: dict[str, Any]) -> bool:
    """One HTTP POST of an event, as an API destination sends it; True when it was accepted."""
    request = urllib.request.Request(
        url, data=json.dumps(event).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def share_botocore_loader() -> None:
    """One botocore data loader (and its cache of parsed JSON models) for every session.

    moto builds a boto3 Session for each backend it creates (and three at import of its EC2
    models) only to list regions; each new session has its own loader, which parses
    botocore's endpoints.json and service models again: ~1.5 s of CPU of every `etl` process
    that starts the embedded AWS. The loader only reads botocore's own data files, so one per
    search path serves all sessions alike. moto's responses load each service's model once
    more with a loader of their own (botocore's files and moto's additions), made anew for
    every model: one serves them all too (~0.1 s).
    """
    if not isinstance(botocore.session.create_loader, functools._lru_cache_wrapper):
        botocore.session.create_loader = functools.lru_cache(maxsize=None)(
            botocore.loaders.create_loader
        )
    from moto.core import utils  # after the line above: moto's import builds sessions

    if not isinstance(utils.create_loader, functools._lru_cache_wrapper):
        utils.create_loader = functools.lru_cache(maxsize=None)(utils.create_loader)


def defer_batch_models() -> None:
    """moto's Step Functions interpreter imports ``moto.batch.utils`` (for a status enum), and
    ``moto.batch``'s ``__init__`` imports its models, which import all of moto's EC2: ~0.8 s of
    CPU of every `etl` process that starts the embedded AWS, for a backend the bridge never
    calls (it answers SubmitJob and DescribeJobs itself). The package is registered with its
    ``__init__`` not yet run: submodules still import, and the first name read from the package
    (moto's ``get_backend`` reads ``batch_backends``) runs it, so moto's Batch still works."""
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    assert spec and spec.loader
    package = importlib.util.module_from_spec(spec)

    def run_init(name: str) -> Any:
        del package.__getattr__  # type: ignore[attr-defined]
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, name)

    package.__getattr__ = run_init  # type: ignore[attr-defined]
    sys.modules["moto.batch"] = package


class _PrivateKeyOnFirstUse:
    """A moto KMS key's private key, generated when Sign, Verify or GetPublicKey first use it."""

    def __init__(self, generate: Any, key_spec: str):
        self._generate = functools.partial(generate, key_spec)
        self._key: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._key is None:
            self._key = self._generate()
        return getattr(self._key, name)


def generate_kms_private_keys_on_first_use() -> None:
    """moto gives every KMS key an RSA-2048 private key when it is created, a symmetric one
    too: the encrypted tables' AWS-managed key (alias/aws/dynamodb) cost 0.03-0.16 s of CPU
    of every start of the embedded AWS, for key material only asymmetric operations read,
    which the pipeline never calls (moto internals)."""
    from moto.kms import models

    if not isinstance(models.generate_private_key, functools.partial):
        models.generate_private_key = functools.partial(
            _PrivateKeyOnFirstUse, models.generate_private_key
        )


# The DynamoDB answers that carry items: their JSON is the result moto built, as it is.
ITEM_READS = frozenset({"Scan", "Query", "GetItem", "BatchGetItem"})


def serialize_item_reads_as_json() -> None:
    """moto serializes every answer by walking the operation's output shape with attribute
    pickers; for the items of a Scan, Query, GetItem or BatchGetItem that walk costs far more
    than the read (~0.15 s of CPU a Scan of the national table: a sixth of the e2e suite's CPU
    went to it). moto builds those results in DynamoDB's wire shape already ({"S": ...}, only
    the output's members), so their JSON is the answer, binary values base64-encoded as the
    walk encodes them; the status and headers still come from moto's serializer (moto
    internals; tests/integration/test_moto_bridge.py compares both answers)."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    walk = DynamoResult.execute_result
    if hasattr(walk, "__wrapped__"):
        return

    @functools.wraps(walk)
    def execute_result(self: DynamoResult, context: Any) -> Any:
        if context.operation_model.name not in ITEM_READS:
            return walk(self, context)
        status, headers, _ = ActionResult({}).execute_result(context)
        return status, headers, json.dumps(self.result, default=_base64_of_bytes)

    DynamoResult.execute_result = execute_result


def _base64_of_bytes(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parse_each_definition_once() -> None:
    """moto's interpreter parses the definition (ANTLR, in Python: ~0.2-0.4 s of CPU) when the
    state machine is created and again at every StartExecution. The syntax tree of a text is
    kept (a syntax error still raises at the first parse); each call still builds fresh
    evaluation components from it with moto's own preprocessor, so no execution shares state
    with another. Patches moto internals (the exact moto pin)."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser = asl_parser.AmazonStateLanguageParser
    if hasattr(parser.parse, "trees"):
        return
    moto_parse = parser.parse
    trees: dict[str, Any] = {}

    def parse(definition: str) -> tuple[Any, Any]:
        if definition not in trees:
            trees[definition] = moto_parse(definition)[1]
        tree = trees[definition]
        return asl_parser.Preprocessor().visit(tree), tree

    parse.trees = trees  # type: ignore[attr-defined]
    parser.parse = staticmethod(parse)  # type: ignore[method-assign]


@dataclass
class _JobRun:
    state: str
    error: str | None = None


class Bridge:
    def __init__(
        self,
        names: Names,
        load_job_arguments: dict[str, str],
        raise_in: set[str] | None = None,
        load_faults: LoadFaults | None = None,
    ):
        self._function_of = {names.function(fn): fn for fn in FUNCTIONS}
        self._load_job_name = names.load_job
        self._rebuild_job = names.rebuild_job
        self._load_job_arguments = load_job_arguments
        self.raise_in = raise_in or set()
        self.load_faults = load_faults or LoadFaults()
        self.calls: dict[str, set[str]] = defaultdict(set)  # function -> IAM actions used
        self._modules: dict[str, ModuleType] = {}
        self._job_runs: dict[str, _JobRun] = {}  # Glue job runs and Batch jobs, by id
        self._current = threading.local()
        self._lock = threading.Lock()
        self.raised: set[str] = set()  # the functions a raise fault fired in
        # PutEvents entries refused (InternalFailure), whole calls, until this many were refused.
        self.refuse_event_entries = 0
        self.event_bus = names.event_bus
        self.subscribers: list[Subscriber] = []

    def install(self, session: boto3.Session | None = None) -> None:
        events = (session or boto3.DEFAULT_SESSION or boto3.setup_default_session()).events
        events.register("before-call.lambda.Invoke", self._invoke)
        events.register("before-call.glue.StartJobRun", self._start_job_run)
        events.register("before-call.glue.GetJobRun", self._get_job_run)
        events.register("provide-client-params.batch.SubmitJob", _batch_camel_case)
        events.register("before-call.batch.SubmitJob", self._submit_job)
        events.register("before-call.batch.DescribeJobs", self._describe_jobs)
        events.register("before-call.events.PutEvents", self._put_events)
        events.register("after-call.events.PutEvents", self._deliver)
        events.register("before-call.dynamodb.BatchWriteItem", self._batch_write)
        events.register("after-call.dynamodb.BatchWriteItem", self._batch_written)
        events.register("before-call.sfn.SendTaskFailure", _send_task_failure)
        # Also before the SendTaskFailure hook, which answers the call itself: botocore calls
        # the handlers of a more specific event first and stops at the first answer.
        events.register_first("before-call.sfn.SendTaskFailure", self._record)
        events.register("before-call", self._record)
        events.register("before-parameter-build.s3.GetObject", _note_batches)
        events.register("after-call.s3.GetObject", _cut_batches)

    # --- Lambda ------------------------------------------------------------------------

    def _invoke(self, params: dict, **_: Any) -> tuple[Any, dict]:
        name = unquote(params["url_path"].split("/functions/")[1].split("/")[0]).split(":")[-1]
        function = self._function_of[name]
        event = json.loads(params["body"] or b"{}")
        context = SimpleNamespace(
            function_name=name,
            aws_request_id=str(uuid.uuid4()),
            get_remaining_time_in_millis=lambda: 900_000,
        )
        response: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        self._current.name = function
        try:
            if function in self.raise_in:
                self.raised.add(function)
                raise InjectedFault(f"fault injected in {function}")
            payload = self._handler(function)(event, context)
        except Exception as exc:  # noqa: BLE001 - any handler error is a Lambda function error
            payload = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            response["FunctionError"] = "Unhandled"
        finally:
            self._current.name = None
        body = json.dumps(payload).encode()
        response["Payload"] = StreamingBody(io.BytesIO(body), len(body))
        return _http(200), response

    def _handler(self, function: str) -> Any:
        with self._lock:
            if function not in self._modules:
                path = REPO_ROOT / "lambdas" / function / "handler.py"
                spec = importlib.util.spec_from_file_location(f"lambdas_{function}_handler", path)
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._modules[function] = module
        return self._modules[function].handler

    # --- Glue --------------------------------------------------------------------------

    def _start_job_run(self, params: dict, **_: Any) -> tuple[Any, dict]:
        request = json.loads(params["body"])
        if request["JobName"] != self._load_job_name:
            raise InjectedFault(f"unknown Glue job {request['JobName']}")
        arguments = {**self._load_job_arguments, **request.get("Arguments", {})}
        argv = [part for key, value in arguments.items() for part in (key, value)]
        job_run_id = f"jr_{uuid.uuid4().hex}"
        self._current.name = LOAD_JOB
        try:
            if self.load_faults.fail:
                self.load_faults.failed_runs += 1
                raise InjectedFault("fault injected: the load job failed")
            summary = load_job_module().main(argv)
            LOGGER.info(
                "load job done",
                extra={"function": LOAD_JOB, "run_id": arguments.get("--run_id"), **summary},
            )
            self._job_runs[job_run_id] = _JobRun("SUCCEEDED")
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the job run fails, as on Glue
            self._job_runs[job_run_id] = _JobRun("FAILED", f"{type(exc).__name__}: {exc}")
        finally:
            self._current.name = None
        return _http(200), {"JobRunId": job_run_id}

    def _get_job_run(self, params: dict, **_: Any) -> tuple[Any, dict]:
        request = json.loads(params["body"])
        run = self._job_runs[request["RunId"]]
        job_run = {
            "Id": request["RunId"],
            "JobName": request["JobName"],
            "JobRunState": run.state,
            "Attempt": 0,
            "ExecutionTime": 1,
        }
        if run.error:
            job_run["ErrorMessage"] = run.error
        return _http(200), {"JobRun": job_run}

    # --- Batch ------------------------------------------------------------------------------

    def _submit_job(self, params: dict, **_: Any) -> tuple[Any, dict]:
        request = json.loads(params["body"])
        for field_name in ("jobQueue", "jobDefinition"):
            if request[field_name].rsplit("/", 1)[-1] != self._rebuild_job:
                raise InjectedFault(f"unknown Batch {field_name} {request[field_name]}")
        # What the job definition's command, ["--run_id", "Ref::run_id", ...], becomes on Batch.
        argv = [f"--{name}={request['parameters'][name]}" for name in rebuild.ARGUMENTS]
        job_id = str(uuid.uuid4())
        self._current.name = REBUILD_JOB
        try:
            if REBUILD_JOB in self.raise_in:
                self.raised.add(REBUILD_JOB)
                raise InjectedFault("fault injected in the rebuild job")
            exit_code = rebuild.main(argv)
            self._job_runs[job_id] = (
                _JobRun("SUCCEEDED") if exit_code == 0 else _JobRun("FAILED", f"exit {exit_code}")
            )
        except Exception as exc:  # noqa: BLE001 - the container exits non-zero, as on Batch
            self._job_runs[job_id] = _JobRun("FAILED", f"{type(exc).__name__}: {exc}")
        finally:
            self._current.name = None
        return _http(200), {"JobName": request["jobName"], "JobId": job_id}

    def _describe_jobs(self, params: dict, **_: Any) -> tuple[Any, dict]:
        jobs = []
        for job_id in json.loads(params["body"])["jobs"]:
            run = self._job_runs[job_id]
            jobs.append(
                {
                    "jobId": job_id,
                    "jobName": self._rebuild_job,
                    "status": run.state,
                    "statusReason": run.error or "Essential container in task exited",
                }
            )
        return _http(200), {"jobs": jobs}

    # --- DynamoDB faults during the load ----------------------------------------------------

    def _batch_write(self, params: dict, **_: Any) -> tuple[Any, dict] | None:
        if getattr(self._current, "name", None) != LOAD_JOB:
            return None
        faults = self.load_faults
        if faults.throttled < faults.throttle_batches:
            faults.throttled += 1
            return _http(400), {
                "Error": {
                    "Code": "ProvisionedThroughputExceededException",
                    "Message": "fault injected: throttled",
                },
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        if not faults.unprocessed_days:
            return None
        body = json.loads(params["body"])
        held = {}
        for table, requests in body["RequestItems"].items():
            keep = [r for r in requests if _day(r) not in faults.unprocessed_days]
            held[table] = [r for r in requests if _day(r) in faults.unprocessed_days]
            faults.held_days.update(_day(r) for r in held[table])
            body["RequestItems"][table] = keep
        body["RequestItems"] = {t: r for t, r in body["RequestItems"].items() if r}
        self._current.unprocessed = {t: r for t, r in held.items() if r}
        if not body["RequestItems"]:
            return _http(200), {"UnprocessedItems": self._current.unprocessed}
        params["body"] = json.dumps(body).encode()
        return None

    def _batch_written(self, parsed: dict, **_: Any) -> None:
        held = getattr(self._current, "unprocessed", None)
        if held:
            parsed.setdefault("UnprocessedItems", {}).update(held)
            self._current.unprocessed = None

    # --- EventBridge faults ---------------------------------------------------------------

    def _put_events(self, params: dict, context: dict, **_: Any) -> tuple[Any, dict] | None:
        entries = json.loads(params["body"])["Entries"]
        context["entries"] = entries
        if self.refuse_event_entries < len(entries):
            return None
        self.refuse_event_entries -= len(entries)
        refused = {"ErrorCode": "InternalFailure", "ErrorMessage": "fault injected: refused"}
        return _http(200), {"FailedEntryCount": len(entries), "Entries": [refused] * len(entries)}

    # --- EventBridge: API destinations -------------------------------------------------------

    def _deliver(self, parsed: dict, context: dict, **_: Any) -> None:
        entries = context.pop("entries", [])
        for entry, result in zip(entries, parsed.get("Entries", []), strict=False):
            if "EventId" not in result or entry.get("EventBusName") != self.event_bus:
                continue
            event = {
                "version": "0",
                "id": result["EventId"],
                "detail-type": entry["DetailType"],
                "source": entry["Source"],
                "account": _account(),
                "time": _now(),
                "region": boto3.DEFAULT_SESSION.region_name,
                "resources": entry.get("Resources", []),
                "detail": json.loads(entry["Detail"]),
            }
            for subscriber in self.subscribers:
                if _matches(subscriber.pattern, event):
                    self._send(subscriber, event)

    def _send(self, subscriber: Subscriber, event: dict[str, Any]) -> None:
        if any(post_event(subscriber.url, event) for _ in range(DELIVERY_ATTEMPTS)):
            return
        aws.client("sqs").send_message(
            QueueUrl=subscriber.dlq_url, MessageBody=json.dumps(event, sort_keys=True)
        )

    # --- Least-privilege recording ---------------------------------------------------------

    def _record(self, model: Any, params: dict[str, Any] | None = None, **_: Any) -> None:
        function = getattr(self._current, "name", None)
        if function:
            service = model.service_model.signing_name
            headers = (params or {}).get("headers", {})
            self.calls[function].update(iam_actions(service, model.name, headers))


def _send_task_failure(params: dict, **_: Any) -> tuple[Any, dict]:
    """SendTaskFailure with its cause, which moto 5.2.5's response layer does not pass on."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.exceptions import JsonRESTError
    from moto.stepfunctions.responses import get_backend

    request = json.loads(params["body"])
    backend = get_backend(DEFAULT_ACCOUNT_ID, boto3.DEFAULT_SESSION.region_name)
    try:
        backend.send_task_failure(
            request["taskToken"], error=request.get("error"), cause=request.get("cause")
        )
    except JsonRESTError as refused:  # InvalidToken, TaskTimedOut: the caller's ClientError
        error = {"Code": refused.error_type, "Message": refused.message}
        return _http(400), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
    return _http(200), {}


# --- Distributed Map: ItemBatcher ------------------------------------------------------------


def batched_for_moto(definition: str) -> str:
    """The definition with each batching distributed Map rewritten for moto (see the docstring)."""
    machine = json.loads(definition)
    pending = [machine["States"]]
    while pending:
        for state in pending.pop().values():
            pending.extend(branch["States"] for branch in state.get("Branches", []))
            if "ItemProcessor" in state:
                pending.append(state["ItemProcessor"]["States"])
            if "ItemBatcher" in state:
                _read_batches_instead(state)
    return json.dumps(machine)


def _read_batches_instead(state: dict[str, Any]) -> None:
    batcher = state.pop("ItemBatcher")
    reader = state["ItemReader"]
    if reader.get("ReaderConfig", {}).get("InputType") != "JSON":
        raise ValueError("the local ItemBatcher reads JSON arrays only (InputType JSON)")
    suffix = f".batches-of-{batcher['MaxItemsPerBatch']}"
    parameters = reader["Parameters"]
    if "Key.$" in parameters:
        parameters["Key.$"] = f"States.Format('{{}}{suffix}', {parameters['Key.$']})"
    else:
        parameters["Key"] += suffix
    state["ItemSelector"] = {
        "BatchInput": batcher.get("BatchInput", {}),
        "Items.$": "$$.Map.Item.Value",
    }


def _note_batches(params: dict, context: dict, **_: Any) -> None:
    """Read the object itself; remember the batch size for ``_cut_batches``."""
    if match := BATCHES_SUFFIX.search(params.get("Key", "")):
        params["Key"] = params["Key"][: match.start()]
        context["batch_size"] = int(match.group(1))


def _cut_batches(parsed: dict, context: dict, **_: Any) -> None:
    """The object's JSON array cut into a JSON array of batches."""
    size = context.pop("batch_size", None)
    if size is None:
        return
    rows = json.loads(parsed["Body"].read())
    body = json.dumps([rows[start : start + size] for start in range(0, len(rows), size)]).encode()
    parsed["Body"] = StreamingBody(io.BytesIO(body), len(body))


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    from moto.events.models import EventPattern  # moto's own matcher (the exact moto pin)

    return EventPattern.load(json.dumps(pattern)).matches_event(event)


def _account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _http(status: int) -> SimpleNamespace:
    return SimpleNamespace(status_code=status, headers={})


def _batch_camel_case(params: dict, **_: Any) -> dict:
    """SubmitJob fields as the Batch API names them; Parameters' own keys are the job's."""
    return {
        key[0].lower() + key[1:]: (
            _batch_camel_case(value) if isinstance(value, dict) and key != "Parameters" else value
        )
        for key, value in params.items()
    }


def _day(request: dict) -> str:
    return request["PutRequest"]["Item"]["date"]["S"]


def load_job_module() -> ModuleType:
    """The Glue script as a module: the bridge runs its main, `etl export` its Parquet writer."""
    spec = importlib.util.spec_from_file_location(
        "glue_load_job", REPO_ROOT / "glue" / "load_job.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- The state kept between local runs, read and written in moto's backends ----------------
# Through the API each body and item is serialized by moto and parsed by botocore again: most of
# what a command spent saving and restoring its state (moto internals, hence the exact pin).


def _s3_backend() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def _table(table: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    region = boto3.DEFAULT_SESSION.region_name
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table)


def bucket_objects(bucket: str) -> dict[str, bytes]:
    """Each object's body, as ListObjectsV2 and GetObject read it: its current version, none
    whose current version is a delete marker."""
    from moto.s3.models import FakeKey

    keys = _s3_backend().get_bucket(bucket).keys
    return {name: key.value for name, key in keys.items() if isinstance(key, FakeKey)}


def put_objects(bucket: str, objects: dict[str, bytes]) -> None:
    """Objects put back without S3's event notifications: restoring a saved landing/ file is
    no upload (an event would start a run again in every later command)."""
    backend = _s3_backend()
    for key, body in objects.items():
        backend.put_object(bucket, key, body, disable_notification=True)


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of a table, in Scan's order and shape (attribute values typed: {"S": ...})."""
    return [item.to_json()["Attributes"] for item in _table(table).all_items()]


def put_items(table: str, items: list[dict[str, Any]]) -> None:
    """Items (as ``table_items`` returns them) put back, each as PutItem would."""
    moto_table = _table(table)
    for item in items:
        moto_table.put_item(item)


def restore_message(queue_url: str, body: str, receive_count: int) -> None:
    """Send a message and give it back the receive count it had (moto internals)."""
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)
    _moto_queue(queue_url)._messages[-1].approximate_receive_count = receive_count


def move_messages(source_url: str, destination_url: str) -> int:
    """The DLQ redrive where moto has no StartMessageMoveTask: receive, send, delete.

    On AWS `etl redrive` uses SQS's native message-move task; this loop exists only here.
    """
    sqs = aws.client("sqs")
    moved = 0
    while batch := sqs.receive_message(
        QueueUrl=source_url, MaxNumberOfMessages=10, VisibilityTimeout=30
    ).get("Messages", []):
        for message in batch:
            sqs.send_message(QueueUrl=destination_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def _moto_queue(queue_url: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    region = boto3.DEFAULT_SESSION.region_name
    return sqs_backends[DEFAULT_ACCOUNT_ID][region].queues[queue_url.rsplit("/", 1)[1]]


def dump_messages(queue_url: str) -> list[dict[str, Any]]:
    """Every message of a queue with its receive count, without receiving it (moto internals)."""
    return [
        {"body": m.body, "receive_count": m.approximate_receive_count}
        for m in _moto_queue(queue_url)._messages
    ]


def _execution(execution_arn: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.stepfunctions.responses import get_backend

    backend = get_backend(DEFAULT_ACCOUNT_ID, boto3.DEFAULT_SESSION.region_name)
    return backend.describe_execution(execution_arn)


def execution_status(execution_arn: str) -> str:
    """The status DescribeExecution reports, read from moto's interpreter (moto internals): the
    API call also copies and serializes the execution's input, which a runner polling it paid
    at every poll."""
    status = _execution(execution_arn).exec_status
    return status.value if status else "RUNNING"  # None: its worker has not started yet


def execution_events(execution_arn: str, start: int) -> list[dict[str, Any]]:
    """The execution's history events from index ``start`` on, shaped as GetExecutionHistory
    returns them (``type`` a string, ``timestamp`` a datetime), read from moto's interpreter
    (moto internals): the API call copies and serializes every event of the history each time.
    """
    env = _execution(execution_arn).exec_worker.env
    if env is None:  # the execution's worker has not started yet
        return []
    manager = env.event_manager
    with manager._mutex:
        added = [dict(event) for event in manager._history_event_list[start:]]
    for event in added:
        event["type"] = str(event["type"].value)
        event["timestamp"] = datetime.fromisoformat(event["timestamp"])
    return added
