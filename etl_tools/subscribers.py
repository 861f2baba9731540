"""Subscribers of the pipeline's events, locally: the declarations in <state dir>/subscribers.json
(a JSON list of objects with ``name``, ``url`` and an optional ``pattern``: the format Terraform's
``subscribers`` variable takes), each with its dead-letter queue, and ``etl replay --subscriber``,
which re-sends what that queue holds: locally by POSTing each event again, on AWS (``--env``) by
an EventBridge replay from the bus's archive to that subscriber's rule alone."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from covid_etl import aws
from covid_etl.events import SOURCE
from etl_tools.command import add_command
from etl_tools.local.moto_bridge import Subscriber, post_event
from etl_tools.local.state_store import StateDirError
from etl_tools.naming import Names

SUBSCRIBERS_FILE = "subscribers.json"
# A subscription without a pattern gets every event of the pipeline (as in modules/subscribers).
DEFAULT_PATTERN = {"source": [SOURCE]}


class SubscribersUnusable(StateDirError):
    """subscribers.json is not a list of {name, url, pattern?} objects (etl says so, exit 3)."""


def declarations(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / SUBSCRIBERS_FILE
    if not path.is_file():
        return []
    try:
        declared = json.loads(path.read_text())
    except ValueError as exc:
        raise SubscribersUnusable(f"{path}: not JSON ({exc})") from None
    if not isinstance(declared, list) or not all(
        isinstance(d, dict) and isinstance(d.get("name"), str) and isinstance(d.get("url"), str)
        for d in declared
    ):
        raise SubscribersUnusable(f"{path}: expected a list of objects with name and url")
    return declared


def create_local(names: Names, state_dir: Path) -> list[Subscriber]:
    """Each declared subscriber with its dead-letter queue, named as Terraform names it."""
    sqs = boto3.client("sqs")
    return [
        Subscriber(
            name=d["name"],
            url=d["url"],
            pattern=d.get("pattern") or DEFAULT_PATTERN,
            dlq_url=sqs.create_queue(QueueName=f"{names.prefix}-{d['name']}-dlq")["QueueUrl"],
        )
        for d in declarations(state_dir)
    ]


def replay(subscriber: Subscriber) -> tuple[int, int]:
    """Re-send each event in the subscriber's DLQ; (delivered, still failing). A delivered
    event leaves the queue; one still refused stays for the next replay."""
    messages = aws.receive_all(subscriber.dlq_url, visibility_seconds=60)
    delivered = [m for m in messages if post_event(subscriber.url, json.loads(m["Body"]))]
    aws.delete_messages(subscriber.dlq_url, [m["ReceiptHandle"] for m in delivered])
    failing = [m["ReceiptHandle"] for m in messages if m not in delivered]
    aws.make_visible(subscriber.dlq_url, failing)
    return len(delivered), len(failing)


# --- On AWS: a replay from the bus's archive ---------------------------------------------------

REPLAY_DONE = {"COMPLETED", "FAILED", "CANCELLED"}
REPLAY_TIMEOUT_SECONDS = 900.0


class ReplaySetupError(Exception):
    """What the replay needs is not there (no such subscriber, no archive): exit 2."""


def replay_window(bodies: list[dict[str, Any]]) -> tuple[datetime, datetime]:
    """The archive's time range that holds these events (EventBridge's ``time``, whole
    seconds): the first one's second to the second after the last one's."""
    times = [datetime.fromisoformat(body["time"]) for body in bodies]
    return min(times), max(times) + timedelta(seconds=1)


def replay_from_archive(
    session: boto3.Session,
    names: Names,
    subscriber: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """Re-send the events in the subscriber's DLQ (<prefix>-<name>-dlq, as modules/subscribers
    names it) through its own rule: EventBridge replays the archive's events of their time range
    to that rule alone (FilterArns), so no other subscriber gets them again, and the rule's API
    destination sends them with its retry policy (what it still cannot deliver comes back to the
    DLQ). The DLQ messages are deleted once the replay completed; (re-sent, kept)."""
    sqs, events = session.client("sqs"), session.client("events")
    rule_name = f"{names.prefix}-{subscriber}"
    try:
        dlq_url = sqs.get_queue_url(QueueName=f"{rule_name}-dlq")["QueueUrl"]
        rule_arn = events.describe_rule(Name=rule_name, EventBusName=names.event_bus)["Arn"]
        bus_arn = events.describe_event_bus(Name=names.event_bus)["Arn"]
        archive_arn = events.describe_archive(ArchiveName=names.event_bus)["ArchiveArn"]
    except ClientError as exc:
        raise ReplaySetupError(f"subscriber {subscriber!r} on {names.event_bus}: {exc}") from None
    messages = aws.receive_all(dlq_url, visibility_seconds=int(REPLAY_TIMEOUT_SECONDS) + 60)
    if not messages:
        return 0, 0
    start, end = replay_window([json.loads(m["Body"]) for m in messages])
    replay_name = f"{subscriber}-{datetime.now().strftime('%Y%m%dT%H%M%S')}"[-64:]
    events.start_replay(
        ReplayName=replay_name,
        EventSourceArn=archive_arn,
        EventStartTime=start,
        EventEndTime=end,
        Destination={"Arn": bus_arn, "FilterArns": [rule_arn]},
    )
    deadline = clock() + REPLAY_TIMEOUT_SECONDS
    while (state := events.describe_replay(ReplayName=replay_name)["State"]) not in REPLAY_DONE:
        if clock() > deadline:
            break
        sleep(5)
    handles = [m["ReceiptHandle"] for m in messages]
    if state != "COMPLETED":
        aws.make_visible(dlq_url, handles)
        return 0, len(messages)
    aws.delete_messages(dlq_url, handles)
    return len(messages), 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "replay",
        cmd_replay,
        state_dir="without --env: the local state",
        help="re-send what a subscriber's dead-letter queue holds",
        description="Re-send the events in a subscriber's DLQ. Locally (subscribers from "
        "<state dir>/subscribers.json) each is POSTed to its URL again; with --env, on AWS "
        "(credentials and region from the environment), EventBridge replays them from the "
        "bus's archive to that subscriber's rule alone. Exit 0 when all were delivered "
        "(re-sent, on AWS), 1 when some are still refused (they stay in the DLQ), 2 for an "
        "unknown subscriber.",
    )
    parser.add_argument("--subscriber", required=True, help="the subscriber's name")
    parser.add_argument("--env", help="a deployed environment (dev, prod, ...): replay on AWS")


def cmd_replay(args: argparse.Namespace) -> int:
    from etl_tools.local.runner import embedded_aws
    from etl_tools.smoke import SmokeSetupError, stack_names

    if args.env:
        session = boto3.Session()
        try:
            names = stack_names(session, args.env)
            resent, kept = replay_from_archive(session, names, args.subscriber)
        except (SmokeSetupError, ReplaySetupError) as exc:
            print(f"etl replay: {exc}")
            return 2
        print(
            f"replayed to {args.subscriber} from the archive: {resent} re-sent, {kept} kept "
            "(what the subscriber still refuses comes back to its DLQ)"
        )
        return 0 if not kept else 1

    with embedded_aws(args.state_dir, compute=False, must_exist=True) as stack:
        by_name = {s.name: s for s in stack.bridge.subscribers}
        if args.subscriber not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            print(f"etl replay: no subscriber {args.subscriber!r} (declared: {known})")
            return 2
        delivered, failing = replay(by_name[args.subscriber])
    print(f"replayed to {args.subscriber}: {delivered} delivered, {failing} still refused")
    return 0 if not failing else 1
