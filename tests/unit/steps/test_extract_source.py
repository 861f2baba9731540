"""ExtractSource (covid_etl/steps/extract_source.py) against the in-memory AWS layer; the HTTP
download is replaced by a stand-in (covid_etl/extract.py has its own tests)."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.extract import SourceUnavailable
from covid_etl.steps import extract_source as step

URL = "https://example.org/us.csv"


def test_an_uploaded_file_is_copied_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", "landing/nyt/us.csv")] = b"date,cases,deaths\n"

    result = step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/us.csv")

    assert fake_aws.objects[("data", keys.raw("r1", "nyt"))] == b"date,cases,deaths\n"
    assert result["http_status"] == 200 and result["bytes"] == 18


def test_a_missing_or_too_large_upload_makes_the_source_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    with pytest.raises(SourceUnavailable, match="no such uploaded object"):
        step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/gone.csv")

    def too_large(bucket: str, key: str, max_bytes: int | None = None) -> bytes:
        raise fake_aws.ObjectTooLarge(11 * 1024 * 1024)

    monkeypatch.setattr(fake_aws, "get_object", too_large)
    with pytest.raises(SourceUnavailable, match="11,534,336 bytes"):
        step.extract_source(SETTINGS, "r1", "nyt", "s3://data/landing/nyt/us.csv")
    assert (("data", keys.raw("r1", "nyt"))) not in fake_aws.objects


def test_an_unchanged_upstream_reuses_the_previous_download(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    asked: list[dict[str, Any]] = []

    def download(source: str, url: str, **options: Any) -> SimpleNamespace:
        asked.append(options)
        if options["etag"] is None:
            return SimpleNamespace(status=200, body=b"v1", etag='"e1"')
        return SimpleNamespace(status=304, body=None, etag='"e1"')

    monkeypatch.setattr(step, "download", download)
    settings = replace(SETTINGS, http_retries=7)

    first = step.extract_source(settings, "r1", "nyt", URL)
    second = step.extract_source(settings, "r2", "nyt", URL)

    assert (first["http_status"], second["http_status"]) == (200, 304)
    assert asked[0]["etag"] is None and asked[1]["etag"] == '"e1"'
    assert asked[0]["retries"] == 7
    assert fake_aws.objects[("data", keys.raw("r2", "nyt"))] == b"v1"
    # The state still points at the download the ETag belongs to.
    state = json.loads(fake_aws.objects[("data", keys.source_state("nyt"))])
    assert state == {"url": URL, "etag": '"e1"', "raw_key": keys.raw("r1", "nyt")}
