"""The bridge between moto and our code, on its own: Lambda invoke, Glue runs, faults, recording."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from etl_tools.local.moto_bridge import (
    Bridge,
    LoadFaults,
    bucket_objects,
    dump_messages,
    execution_events,
    execution_status,
    generate_kms_private_keys_on_first_use,
    parse_each_definition_once,
    put_items,
    put_objects,
    restore_message,
    serialize_item_reads_as_json,
    share_botocore_loader,
    table_items,
)
from etl_tools.naming import Names

NAMES = Names("local", "123456789012")


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bridge]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.setup_default_session(region_name="us-east-1")
        bridge = Bridge(NAMES, {"--data_bucket": "bridge-test", "--daily_table": "t"})
        bridge.install()
        yield bridge


def invoke(function: str, event: dict) -> dict:
    return boto3.client("lambda").invoke(
        FunctionName=NAMES.function_arn(function), Payload=json.dumps(event).encode()
    )


def test_invoke_runs_the_real_handler_and_its_errors_are_function_errors(bridge: Bridge) -> None:
    # fails the handler's schema (an empty run id); the message names the first field refused
    response = invoke("transform_sources", {"run_id": "", "window": {}})
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "InvalidEvent"
    assert "run_id" in payload["errorMessage"]


def test_an_injected_fault_raises_in_the_named_handler(bridge: Bridge) -> None:
    bridge.raise_in = {"notify"}
    payload = json.loads(invoke("notify", {"run_id": "r"})["Payload"].read())
    assert payload == payload | {
        "errorType": "InjectedFault",
        "errorMessage": "fault injected in notify",
    }


def test_glue_job_runs_report_how_the_script_ended(bridge: Bridge) -> None:
    glue = boto3.client("glue")
    job = glue.start_job_run(JobName=NAMES.load_job, Arguments={"--run_id": "r"})
    run = glue.get_job_run(JobName=NAMES.load_job, RunId=job["JobRunId"])["JobRun"]
    # Required arguments are missing: the real script exits, and the job run says it failed.
    assert (run["JobRunState"], run["ErrorMessage"]) == ("FAILED", "SystemExit: 2")
    bridge.load_faults = LoadFaults(fail=True)
    job = glue.start_job_run(JobName=NAMES.load_job, Arguments={})
    run = glue.get_job_run(JobName=NAMES.load_job, RunId=job["JobRunId"])["JobRun"]
    assert run["ErrorMessage"] == "InjectedFault: fault injected: the load job failed"


def test_the_glue_script_loads_and_writes_failures_under_throttling(bridge: Bridge) -> None:
    boto3.client("s3").create_bucket(Bucket="bridge-test")
    boto3.client("dynamodb").create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "date", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "date", "KeyType": "HASH"}],
    )
    rows = "".join(f"2020-04-{d:02d},{d},1,2\n" for d in range(1, 31))
    rows += f"2020-05-01,{2**64},1,2\n"  # out of int64: never written, a failure with a reason
    boto3.client("s3").put_object(
        Bucket="bridge-test", Key="d.csv", Body="date,cases,deaths,recovered\n" + rows
    )
    bridge.load_faults = LoadFaults(throttle_batches=2, unprocessed_days={"2020-04-07"})
    glue = boto3.client("glue")
    job = glue.start_job_run(
        JobName=NAMES.load_job,
        Arguments={
            "--run_id": "r",
            "--delta_key": "d.csv",
            "--failures_key": "f.csv",
            "--base_delay_seconds": "0.001",
        },
    )
    assert (
        glue.get_job_run(JobName=NAMES.load_job, RunId=job["JobRunId"])["JobRun"]["JobRunState"]
        == "SUCCEEDED"
    )
    items = boto3.client("dynamodb").scan(TableName="t")["Items"]
    assert len(items) == 29 and "2020-04-07" not in {i["date"]["S"] for i in items}
    failures = (
        boto3.client("s3").get_object(Bucket="bridge-test", Key="f.csv")["Body"].read().decode()
    )
    assert failures.splitlines()[1].startswith("2020-04-07,7,1,2,unprocessed (throttled) after 8")
    assert failures.splitlines()[2] == (
        f"2020-05-01,{2**64},1,2,cases '{2**64}' is not a count from 0 to {2**63 - 1}"
    )
    assert {"dynamodb:BatchWriteItem", "s3:GetObject", "s3:PutObject"} <= bridge.calls["load_job"]


def test_messages_keep_their_receive_count_across_a_save_and_restore(bridge: Bridge) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    [saved] = dump_messages(url)
    assert saved == {"body": "m", "receive_count": 2}
    other = sqs.create_queue(QueueName="q2")["QueueUrl"]
    restore_message(other, saved["body"], saved["receive_count"])
    received = sqs.receive_message(QueueUrl=other, MessageSystemAttributeNames=["All"])["Messages"]
    assert received[0]["Attributes"]["ApproximateReceiveCount"] == "3"


def _api_objects(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {
        o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        for page in pages
        for o in page.get("Contents", [])
    }


def _api_items(table: str) -> list[dict]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return [item for page in pages for item in page["Items"]]


def _versioned_bucket_and_table(bucket: str, table: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    boto3.client("dynamodb").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )


def test_the_saved_state_read_and_restored_in_moto_is_what_the_api_reads(bridge: Bridge) -> None:
    """bucket_objects/table_items read what ListObjectsV2+GetObject and Scan return, in Scan's
    order; put_objects/put_items write it back so that the API reads it the same again."""
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
    _versioned_bucket_and_table("saved", "saved-table")
    s3.put_object(Bucket="saved", Key="b/overwritten.csv", Body=b"old")
    s3.put_object(Bucket="saved", Key="b/overwritten.csv", Body=b"new")
    s3.put_object(Bucket="saved", Key="a/empty.json", Body=b"")
    s3.put_object(Bucket="saved", Key="deleted.csv", Body=b"gone")
    s3.delete_object(Bucket="saved", Key="deleted.csv")  # its current version: a delete marker
    nested = {"M": {"n": {"N": "1.50"}, "l": {"L": [{"S": "x"}, {"BOOL": True}, {"NULL": True}]}}}
    for pk, sk in (("RUN#2", "b"), ("LOCK", "z"), ("RUN#2", "a"), ("RUN#10", "a")):
        item = {"pk": {"S": pk}, "sk": {"S": sk}, "count": {"N": str(2**64)}, "doc": nested}
        dynamodb.put_item(TableName="saved-table", Item=item)

    objects, items = bucket_objects("saved"), table_items("saved-table")
    assert objects == _api_objects("saved") == {"a/empty.json": b"", "b/overwritten.csv": b"new"}
    assert items == _api_items("saved-table") and len(items) == 4

    _versioned_bucket_and_table("restored", "restored-table")
    put_objects("restored", objects)
    put_items("restored-table", items)
    assert _api_objects("restored") == objects
    assert _api_items("restored-table") == items


def test_objects_put_back_raise_no_upload_event(bridge: Bridge) -> None:
    """Restoring a saved landing/ file is no upload: an API put of it raises the event."""
    s3, sqs, events = boto3.client("s3"), boto3.client("sqs"), boto3.client("events")
    s3.create_bucket(Bucket="watched")
    s3.put_bucket_notification_configuration(
        Bucket="watched", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": arn["QueueArn"]}])

    put_objects("watched", {"landing/nyt/us.csv": b"date,cases"})
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    s3.put_object(Bucket="watched", Key="landing/nyt/again.csv", Body=b"date,cases")
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1


def test_the_glue_script_writes_a_county_delta_with_the_datasets_key(bridge: Bridge) -> None:
    boto3.client("s3").create_bucket(Bucket="bridge-test")
    boto3.client("dynamodb").create_table(
        TableName="c",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "date", "AttributeType": "S"},
            {"AttributeName": "fips", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "date", "KeyType": "HASH"},
            {"AttributeName": "fips", "KeyType": "RANGE"},
        ],
    )
    delta = (
        "date,fips,county,state,cases,deaths\n"
        "2020-04-01,53033,King,Washington,10,1\n"
        "2020-04-01,Washington/Unknown,Unknown,Washington,3,0\n"
        f"2020-04-02,53033,King,Washington,{2**64},1\n"
    )
    boto3.client("s3").put_object(Bucket="bridge-test", Key="d.csv", Body=delta)
    glue = boto3.client("glue")
    arguments = {"--dataset": "us-counties", "--counties_table": "c", "--run_id": "r"}
    job = glue.start_job_run(
        JobName=NAMES.load_job,
        Arguments={**arguments, "--delta_key": "d.csv", "--failures_key": "f.csv"},
    )
    run = glue.get_job_run(JobName=NAMES.load_job, RunId=job["JobRunId"])["JobRun"]
    assert run["JobRunState"] == "SUCCEEDED"
    items = boto3.client("dynamodb").scan(TableName="c")["Items"]
    assert sorted((i["date"]["S"], i["fips"]["S"], i["cases"]["N"]) for i in items) == [
        ("2020-04-01", "53033", "10"),
        ("2020-04-01", "Washington/Unknown", "3"),
    ]
    assert items[0]["county"]["S"] in ("King", "Unknown")
    failures = boto3.client("s3").get_object(Bucket="bridge-test", Key="f.csv")["Body"].read()
    reason = f"cases '{2**64}' is not a count from 0 to {2**63 - 1}"
    assert failures.decode().splitlines() == [
        "date,fips,county,state,cases,deaths,error",
        f"2020-04-02,53033,King,Washington,{2**64},1,{reason}",
    ]


def test_execution_events_are_the_history_the_api_returns_from_any_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the runner reads without the API's serializer is what DescribeExecution and
    GetExecutionHistory say."""
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    definition = {
        "StartAt": "One",
        "States": {
            "One": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.one", "Next": "Two"},
            "Two": {"Type": "Pass", "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.setup_default_session(region_name="us-east-1")
        sfn = boto3.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/sfn"
        machine = sfn.create_state_machine(
            name="m", definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        while execution_status(arn) == "RUNNING":
            time.sleep(0.01)
        status = (execution_status(arn), sfn.describe_execution(executionArn=arn)["status"])
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        events = execution_events(arn, 0)
        tail = execution_events(arn, 3)
    assert status == ("SUCCEEDED", "SUCCEEDED")
    assert [e["type"] for e in history][-1] == "ExecutionSucceeded"
    fields = ("id", "type", "timestamp", "stateExitedEventDetails")
    assert [[e.get(f) for f in fields] for e in events] == [
        [e.get(f) for f in fields] for e in history
    ]
    assert tail == events[3:] and len(tail) == len(history) - 3


def test_every_botocore_session_shares_one_data_loader_and_moto_one_of_its_own() -> None:
    from moto.core import utils

    share_botocore_loader()
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")
    assert utils.create_loader() is utils.create_loader()
    assert utils.create_loader() is not first.get_component("data_loader")  # moto's own paths


def test_a_definition_parsed_once_still_runs_each_execution_afresh_and_refuses_bad_asl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    parse_each_definition_once()
    definition = json.dumps(
        {"StartAt": "Add", "States": {"Add": {"Type": "Pass", "ResultPath": "$.seen", "End": True}}}
    )
    role = "arn:aws:iam::123456789012:role/sfn"
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.setup_default_session(region_name="us-east-1")
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(name="m", definition=definition, roleArn=role)
        outputs = []
        for n in (1, 2):
            started = sfn.start_execution(
                stateMachineArn=machine["stateMachineArn"], name=f"e{n}", input=json.dumps({"n": n})
            )
            arn = started["executionArn"]
            while (done := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
                time.sleep(0.01)
            outputs.append(json.loads(done["output"]))
        with pytest.raises(ClientError, match="ASLParserException"):
            sfn.create_state_machine(name="bad", definition='{"StartAt": ', roleArn=role)
    assert outputs == [{"n": 1, "seen": {"n": 1}}, {"n": 2, "seen": {"n": 2}}]
    assert definition in AmazonStateLanguageParser.parse.trees  # parsed once, kept


# A fresh interpreter: this test process may have imported moto's Batch already.
DEFERRED_BATCH = """
import sys
import boto3
from moto import mock_aws
from etl_tools.local.moto_bridge import defer_batch_models

defer_batch_models()
from moto.stepfunctions.parser.asl.parse import asl_parser  # imports moto.batch.utils
print("ec2 imported:", "moto.ec2" in sys.modules)
with mock_aws():
    print("job queues:", boto3.client("batch", region_name="us-east-1").describe_job_queues()["jobQueues"])
print("ec2 imported:", "moto.ec2" in sys.modules)
"""


def test_moto_batch_models_load_only_when_asked_for_and_then_work() -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    done = subprocess.run(
        [sys.executable, "-c", DEFERRED_BATCH], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.splitlines() == [
        "ec2 imported: False",  # the interpreter's import left moto's Batch and EC2 models out
        "job queues: []",  # moto's Batch backend answers all the same
        "ec2 imported: True",
    ]


def test_kms_keys_get_their_private_key_only_when_an_operation_reads_it(bridge: Bridge) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms.models import kms_backends

    generate_kms_private_keys_on_first_use()
    kms = boto3.client("kms")
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    keys = kms_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].keys
    assert keys[symmetric].private_key._key is None  # no RSA key generated for it
    signed = kms.sign(
        KeyId=signing, Message=b"m", MessageType="RAW", SigningAlgorithm="RSASSA_PSS_SHA_256"
    )
    verified = kms.verify(
        KeyId=signing,
        Message=b"m",
        MessageType="RAW",
        Signature=signed["Signature"],
        SigningAlgorithm="RSASSA_PSS_SHA_256",
    )
    assert verified["SignatureValid"]
    assert keys[symmetric].private_key._key is None


def item_reads() -> list[dict]:
    """What Scan (a page, then the rest), Query, GetItem (found or not) and BatchGetItem
    answer for items of every attribute type, binary ones too, as botocore parses them."""
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="reads",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    every_type = {
        "pk": {"S": "a"},
        "n": {"N": "2.5"},
        "flag": {"BOOL": False},
        "none": {"NULL": True},
        "bin": {"B": b"\x00\xff"},
        "strings": {"SS": ["p", "q"]},
        "numbers": {"NS": ["1", "2"]},
        "blobs": {"BS": [b"\x01"]},
        "nested": {"M": {"list": {"L": [{"S": "x"}, {"B": b"\x02"}, {"M": {}}]}}},
    }
    dynamodb.put_item(TableName="reads", Item=every_type)
    dynamodb.put_item(TableName="reads", Item={"pk": {"S": "b"}, "n": {"N": "1"}})
    first = dynamodb.scan(TableName="reads", Limit=1, ReturnConsumedCapacity="TOTAL")
    answers = [
        first,
        dynamodb.scan(TableName="reads", ExclusiveStartKey=first["LastEvaluatedKey"]),
        dynamodb.query(
            TableName="reads",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "a"}},
            ReturnConsumedCapacity="INDEXES",
        ),
        dynamodb.get_item(TableName="reads", Key={"pk": {"S": "a"}}),
        dynamodb.get_item(TableName="reads", Key={"pk": {"S": "nobody"}}),
        dynamodb.batch_get_item(
            RequestItems={"reads": {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]}}
        ),
        dynamodb.put_item(TableName="reads", Item={"pk": {"S": "c"}}, ReturnValues="NONE"),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


def test_item_reads_answered_as_json_are_what_moto_serializes(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.responses import DynamoResult

    serialize_item_reads_as_json()
    as_json = item_reads()
    boto3.client("dynamodb").delete_table(TableName="reads")
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result.__wrapped__)
    assert as_json == item_reads()
    assert as_json[0]["LastEvaluatedKey"] and as_json[3]["Item"]["bin"] == {"B": b"\x00\xff"}
