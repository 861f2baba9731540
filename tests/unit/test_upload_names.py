"""Execution names from upload events: AWS's rules (1-80 of [A-Za-z0-9_-], unique for 90 days)."""

from __future__ import annotations

import re
from typing import Any

from covid_etl.uploads import parse_upload_event

EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def event(
    sequencer: str, key: str = "landing/nyt/us.csv", etag: str = "abc", version_id: str = "v1"
) -> dict[str, Any]:
    return {
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": "covid-etl-prod-data-123456789012"},
            "object": {"key": key, "etag": etag, "sequencer": sequencer, "version-id": version_id},
        },
    }


def test_the_same_event_delivered_twice_keeps_one_name() -> None:
    assert (
        parse_upload_event(event("0062E99A88DC407460")).execution_name
        == parse_upload_event(event("0062E99A88DC407460")).execution_name
    )


def test_a_reupload_of_the_same_bytes_gets_a_new_name() -> None:
    """Same key, same ETag, a later put: a failed run's file can run again."""
    first = parse_upload_event(event("0062E99A88DC407460")).execution_name
    again = parse_upload_event(event("0062E99A88DC407999")).execution_name
    assert first != again


def test_a_reupload_in_the_versioned_bucket_gets_a_new_name_even_with_one_sequencer() -> None:
    """moto's events all carry one sequencer; the version id still tells the puts apart."""
    first = parse_upload_event(event("617f08299329d189", version_id="v1")).execution_name
    again = parse_upload_event(event("617f08299329d189", version_id="v2")).execution_name
    assert first != again
    redelivered = parse_upload_event(event("617f08299329d189", version_id="v1")).execution_name
    assert redelivered == first


def test_names_are_valid_step_functions_names_for_any_key() -> None:
    key = "landing/jhu/" + "ü d%+#" * 200 + ".csv"  # S3 keys go to 1,024 bytes, any UTF-8
    name = parse_upload_event(event("0062E99A88DC407460", key=key)).execution_name
    assert EXECUTION_NAME.match(name), name
