"""Upload events: which execution each one starts, and which start none."""

from __future__ import annotations

import pytest

from covid_etl.uploads import BadUpload, parse_upload_event


def event(key: str, size: int = 100) -> dict:
    return {
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": "data"},
            "object": {"key": key, "size": size, "etag": "e1"},
        },
    }


def test_a_file_under_landing_starts_a_run_with_it_as_that_source() -> None:
    upload = parse_upload_event(event("landing/jhu/combined.csv"))
    assert upload is not None
    assert upload.input == {"sources": {"jhu": "s3://data/landing/jhu/combined.csv"}}
    assert upload.execution_name.startswith("upload-jhu-")


@pytest.mark.parametrize("key", ["landing/nyt/", "landing/", "landing/jhu/sub/"])
def test_a_folder_starts_no_run_and_is_not_a_failure(key: str) -> None:
    assert parse_upload_event(event(key, size=0)) is None


@pytest.mark.parametrize("key", ["landing/cdc/x.csv", "landing/nyt/a/b.csv", "landing/us.csv"])
def test_a_key_outside_landing_source_file_is_refused(key: str) -> None:
    with pytest.raises(BadUpload, match="is not landing/<nyt|jhu>/<file>"):
        parse_upload_event(event(key))
