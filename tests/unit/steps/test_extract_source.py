"""ExtractSource (covid_etl/steps/extract_source.py) against the in-memory AWS layer; the HTTP
download is replaced by a stand-in (covid_etl/extract.py has its own tests)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import aws, keys
from covid_etl.extract import SourceUnavailable
from covid_etl.steps import extract_source as step

URL = "https://example.org/us.csv"
UPLOAD = ("data", "landing/nyt/us.csv")


def test_an_uploaded_file_is_copied_server_side(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[UPLOAD] = b"date,cases,deaths\n"
    fake_aws.streamed_only.add(UPLOAD)  # never read by the function

    result = step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/us.csv")

    assert fake_aws.objects[("data", keys.raw("r1", "nyt"))] == b"date,cases,deaths\n"
    assert result["http_status"] == 200 and result["bytes"] == 18


def test_a_missing_or_too_large_upload_makes_the_source_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    with pytest.raises(SourceUnavailable, match="no such uploaded object"):
        step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/gone.csv")

    fake_aws.objects[UPLOAD] = b"date,cases,deaths\n"
    monkeypatch.setattr(
        fake_aws, "head_object", lambda b, k: aws.ObjectHead(11 * 1024 * 1024, None)
    )
    with pytest.raises(SourceUnavailable, match="11,534,336 bytes, more than the 10,485,760"):
        step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/us.csv")
    assert (("data", keys.raw("r1", "nyt"))) not in fake_aws.objects


def test_the_size_limit_is_the_datasets_lowered_by_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[UPLOAD] = b"date,county,state,fips,cases,deaths\n"
    monkeypatch.setattr(
        fake_aws, "head_object", lambda b, k: aws.ObjectHead(100 * 1024 * 1024, None)
    )
    url = "s3://data/landing/nyt/us.csv"

    # NYT's ~100 MB us-counties.csv: over the national series' 10 MB, inside the counties' 1 GB.
    assert step.extract_source(SETTINGS, "r1", "nyt", url, "us-counties")["bytes"] == 104_857_600
    with pytest.raises(SourceUnavailable, match="more than the 10,485,760 allowed"):
        step.extract_source(SETTINGS, "r2", "nyt", url, "us")
    capped = replace(SETTINGS, max_source_bytes=50 * 1024 * 1024)
    with pytest.raises(SourceUnavailable, match="more than the 52,428,800 allowed"):
        step.extract_source(capped, "r3", "nyt", url, "us-counties")


def test_the_download_is_saved_as_a_stream_and_a_304_copies_the_previous_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    asked: list[dict[str, Any]] = []

    def download(source: str, url: str, **options: Any) -> SimpleNamespace:
        asked.append(options)
        if options["etag"] is None:
            options["save"](io.BytesIO(b"v1"))
            return SimpleNamespace(status=200, size=2, etag='"e1"')
        return SimpleNamespace(status=304, size=0, etag='"e1"')

    monkeypatch.setattr(step, "download", download)
    settings = replace(SETTINGS, http_retries=7)

    first = step.extract_source(settings, "r1", "nyt", URL)
    fake_aws.streamed_only.add(("data", keys.raw("r1", "nyt")))  # copied, never read
    second = step.extract_source(settings, "r2", "nyt", URL)

    assert (first["http_status"], second["http_status"]) == (200, 304)
    assert first["bytes"] == second["bytes"] == 2
    assert asked[0]["etag"] is None and asked[1]["etag"] == '"e1"'
    assert asked[0]["retries"] == 7 and asked[0]["max_bytes"] == 10 * 1024 * 1024
    assert fake_aws.objects[("data", keys.raw("r2", "nyt"))] == b"v1"
    # The first run started again (after an approval): its download is there, not copied.
    assert step.extract_source(settings, "r1", "nyt", URL)["http_status"] == 304
    # The state still points at the download the ETag belongs to.
    state = json.loads(fake_aws.objects[("data", keys.source_state("nyt"))])
    assert state == {"url": URL, "etag": '"e1"', "raw_key": keys.raw("r1", "nyt")}


def test_a_304_to_a_request_without_an_etag_fails_readably(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws_layer(monkeypatch)
    unchanged = SimpleNamespace(status=304, size=0, etag=None)
    monkeypatch.setattr(step, "download", lambda source, url, **options: unchanged)
    with pytest.raises(SourceUnavailable, match="HTTP 304 to a request without an ETag"):
        step.extract_source(SETTINGS, "r1", "nyt", URL)
