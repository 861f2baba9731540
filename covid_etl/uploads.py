"""Uploaded source files: where they land and which execution each one starts. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventBridgeNotificationEvent

from covid_etl.contract import LANDING_PREFIX
from covid_etl.sources import SOURCES


def upload_event_pattern(bucket: str) -> dict[str, Any]:
    """The EventBridge rule's pattern: objects created under landing/ of the data bucket.

    Terraform writes the same pattern (infra/modules/uploads); tests/infra checks they agree.
    """
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [bucket]},
            "object": {"key": [{"prefix": LANDING_PREFIX}]},
        },
    }


def landing_key(source: str, filename: str) -> str:
    """landing/<source>/<file name>: the source is read from the key."""
    return f"{LANDING_PREFIX}{source}/{filename}"


@dataclass(frozen=True)
class Upload:
    source: str
    url: str
    execution_name: str

    @property
    def input(self) -> dict[str, Any]:
        return {"sources": {self.source: self.url}}


class BadUpload(ValueError):
    """The event does not name a file the pipeline can use."""


def parse_upload_event(body: dict[str, Any]) -> Upload | None:
    """An EventBridge "Object Created" event (an SQS message's body) -> the execution it should
    start.

    None for a folder (a key ending in "/", what the S3 console's "Create folder" writes): there
    is no file to load and nothing to retry.
    """
    event = S3EventBridgeNotificationEvent(body)
    if event.get("detail-type") != "Object Created":
        raise BadUpload(f"not an Object Created event: {event.get('detail-type')!r}")
    bucket, put = event.detail.bucket.name, event.detail.object
    key = put.key  # URL-decoded, as GetObject needs it
    if key.endswith("/"):
        return None
    parts = key.removeprefix(LANDING_PREFIX).split("/")
    if not key.startswith(LANDING_PREFIX) or len(parts) != 2 or parts[0] not in SOURCES:
        raise BadUpload(f"{key!r} is not landing/<{'|'.join(SOURCES)}>/<file>")
    # The sequencer and, in the versioned data bucket, the version id tell two puts of the same
    # bytes apart (the ETag does not): a re-upload starts a new execution with its own run
    # record, while the same event delivered twice keeps one name. moto's events carry a fixed
    # sequencer but a real version id, and spell the ETag "eTag". Step Functions refuses a name
    # for 90 days; sha256 hex keeps it in [0-9a-f], 36 characters.
    etag = put.etag or put.get("eTag", "")
    sequencer, version_id = put.get("sequencer", ""), put.get("version-id", "")
    digest = hashlib.sha256(f"{bucket}/{key}:{etag}:{version_id}:{sequencer}".encode()).hexdigest()[
        :24
    ]
    return Upload(
        source=parts[0],
        url=f"s3://{bucket}/{key}",
        execution_name=f"upload-{parts[0]}-{digest}",
    )
