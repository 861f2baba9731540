"""Subscribers of the pipeline's events, locally: the declarations in <state dir>/subscribers.json
(a JSON list of objects with ``name``, ``url`` and an optional ``pattern``: the format Terraform's
``subscribers`` variable takes), each with its dead-letter queue, and ``etl replay --subscriber``,
which re-sends what that queue holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import boto3

from covid_etl import aws
from covid_etl.events import SOURCE
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


def register(sub: argparse._SubParsersAction) -> None:
    from etl_tools.local.runner import add_state_dir_argument

    parser = sub.add_parser(
        "replay",
        help="re-send what a subscriber's dead-letter queue holds",
        description="Re-send the events in a local subscriber's DLQ to its URL (subscribers "
        "come from <state dir>/subscribers.json). Exit 0 when all were delivered, 1 when some "
        "are still refused (they stay in the DLQ).",
    )
    parser.add_argument("--subscriber", required=True, help="the subscriber's name")
    add_state_dir_argument(parser)
    parser.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    from etl_tools.local.runner import embedded_aws

    with embedded_aws(args.state_dir, compute=False, must_exist=True) as stack:
        by_name = {s.name: s for s in stack.bridge.subscribers}
        if args.subscriber not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            print(f"etl replay: no subscriber {args.subscriber!r} (declared: {known})")
            return 2
        delivered, failing = replay(by_name[args.subscriber])
    print(f"replayed to {args.subscriber}: {delivered} delivered, {failing} still refused")
    return 0 if not failing else 1
