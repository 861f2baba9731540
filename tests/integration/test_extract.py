"""The HTTP download against a real server on 127.0.0.1: retries, timeouts, 304, truncation."""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from covid_etl import aws, keys
from covid_etl.extract import SourceUnavailable, download
from covid_etl.settings import Settings
from covid_etl.steps.extract_source import extract_source
from etl_tools.local.sources_server import SourcesServer, UpstreamFaults, this_process_url
from etl_tools.permissions import allowed_actions, iam_actions

FAST = {"timeout_seconds": 0.5, "retries": 2, "backoff_seconds": 0.01, "max_bytes": 10**7}


def _kept() -> tuple[io.BytesIO, dict]:
    """Where a download's body goes in these tests (read whole: it is small) and the option."""
    kept = io.BytesIO()
    return kept, {"save": lambda body: kept.write(body.read())}


def test_download_then_304_with_the_etag() -> None:
    kept, save = _kept()
    with SourcesServer() as server:
        first = download("nyt", server.urls["nyt"], etag=None, **save, **FAST)
        assert first.status == 200 and first.etag
        assert kept.getvalue().startswith(b"date,cases,deaths") and first.size == kept.tell()
        again = download("nyt", server.urls["nyt"], etag=first.etag, **save, **FAST)
        assert (again.status, again.size, kept.tell()) == (304, 0, first.size)


def test_a_later_server_takes_over_the_saved_local_url_and_nothing_else() -> None:
    with SourcesServer() as earlier:
        saved = earlier.urls
    with SourcesServer() as later:
        assert later.urls != saved  # a new port: the saved URL alone would never match again
        assert this_process_url(saved["nyt"], later.urls) == later.urls["nyt"]
        assert this_process_url(saved["jhu"], later.urls) == later.urls["jhu"]
        for other in (
            "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv",
            "http://127.0.0.1:8080/elsewhere.csv",
            "http://10.0.0.1:8080/nyt/us.csv",
            "s3://bucket/landing/nyt/us.csv",
        ):
            assert this_process_url(other, later.urls) == other


def test_5xx_is_retried_then_reported_with_the_url() -> None:
    transient = {"jhu": UpstreamFaults(http_errors=2)}
    with SourcesServer(faults=transient) as server:
        assert download("jhu", server.urls["jhu"], etag=None, **_kept()[1], **FAST).status == 200
        assert transient["jhu"].requests == 3
    persistent = {"jhu": UpstreamFaults(http_errors=10)}
    with SourcesServer(faults=persistent) as server, pytest.raises(SourceUnavailable) as raised:
        download("jhu", server.urls["jhu"], etag=None, **_kept()[1], **FAST)
    assert persistent["jhu"].requests == 3
    assert "HTTP 500" in str(raised.value) and server.urls["jhu"] in str(raised.value)


def test_a_hanging_upstream_times_out_after_bounded_retries() -> None:
    faults = {"nyt": UpstreamFaults(hangs=10, hang_seconds=1.0)}
    with (
        SourcesServer(faults=faults) as server,
        pytest.raises(SourceUnavailable, match="timed out"),
    ):
        download("nyt", server.urls["nyt"], etag=None, **_kept()[1], **FAST)
    assert faults["nyt"].requests == 3


def test_a_short_body_is_a_truncated_download() -> None:
    with (
        SourcesServer(faults={"nyt": UpstreamFaults(truncate=True)}) as server,
        pytest.raises(SourceUnavailable, match="truncated download"),
    ):
        download("nyt", server.urls["nyt"], etag=None, **_kept()[1], **FAST)


def test_nothing_listening_is_a_connection_error() -> None:
    with pytest.raises(SourceUnavailable, match="connection failed"):
        download("nyt", "http://127.0.0.1:9/us.csv", etag=None, **_kept()[1], **FAST)


def test_a_source_over_the_byte_limit_fails_before_it_is_read() -> None:
    with SourcesServer() as server, pytest.raises(SourceUnavailable) as raised:
        download(
            "jhu", server.urls["jhu"], etag=None, **_kept()[1], **{**FAST, "max_bytes": 1_000_000}
        )
    assert raised.value.problem.startswith(
        "too large: 3,629,485 bytes, more than the 1,000,000 allowed (the dataset's limit)"
    )


def test_an_uploaded_source_over_the_byte_limit_fails_before_it_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():  # its own fake credentials
        aws.reset_clients()
        boto3.client("s3").create_bucket(Bucket="data")
        aws.put_object("data", "landing/nyt/big.csv", b"date,cases,deaths\n" + b"x" * 2_000)
        settings = Settings("data", *["x"] * 5, max_source_bytes=1_000)
        with pytest.raises(SourceUnavailable) as raised:
            extract_source(settings, "r1", "nyt", "s3://data/landing/nyt/big.csv")
        aws.reset_clients()
    assert raised.value.problem.startswith(
        "too large: 2,018 bytes, more than the 1,000 allowed (the dataset's limit)"
    )


def test_an_upload_written_again_while_it_is_checked_is_copied_as_checked(
    moto_bucket: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HeadObject then CopyObject: a second upload to the same key in between (over the limit,
    say) must not be what the run copies. The data bucket is versioned: the checked version is
    copied."""
    s3 = boto3.client("s3")
    s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Enabled"})
    aws.put_object("data", "landing/nyt/us.csv", b"date,cases,deaths\n")
    copy = aws.copy_object

    def written_again_first(*args: object) -> None:
        aws.put_object("data", "landing/nyt/us.csv", b"x" * 2_000)
        copy(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(aws, "copy_object", written_again_first)
    needed: set[str] = set()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        needed.update(iam_actions("s3", model.name, params["headers"]))

    aws.client("s3").meta.events.register("before-call", record)
    result = extract_source(moto_bucket, "r1", "nyt", "s3://data/landing/nyt/us.csv")
    assert aws.get_object("data", keys.raw("r1", "nyt")) == b"date,cases,deaths\n"
    assert result["bytes"] == 18
    # Copying one version of the upload is s3:GetObjectVersion on AWS (moto does not check).
    assert "s3:GetObjectVersion" in needed
    assert needed <= allowed_actions("extract_source"), needed - allowed_actions("extract_source")


def test_a_copy_of_the_current_object_needs_no_version_permission() -> None:
    plain = {"x-amz-copy-source": "data/landing/nyt/us.csv"}
    versioned = {"x-amz-copy-source": "data/landing/nyt/us.csv?versionId=3sL4kqtJlcpXroDTDmJ"}
    assert iam_actions("s3", "CopyObject", plain) == {"s3:PutObject"}
    assert iam_actions("s3", "CopyObject", versioned) == {"s3:PutObject", "s3:GetObjectVersion"}


class EndlessBody(BaseHTTPRequestHandler):
    """An upstream that sends no Content-Length: the body ends when the connection closes."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client stops reading: as it should
            for _ in range(100):
                self.wfile.write(b"x" * 100_000)

    def log_message(self, *_: object) -> None:
        pass


def test_a_source_without_a_length_stops_being_read_past_the_byte_limit() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EndlessBody)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/us.csv"
    try:
        with pytest.raises(SourceUnavailable) as raised:
            download("nyt", url, etag=None, **_kept()[1], **{**FAST, "max_bytes": 1_000_000})
    finally:
        server.shutdown()
        server.server_close()
    assert raised.value.problem == (
        "too large: over the 1,000,000 bytes allowed (the dataset's limit); stopped reading"
    )


class LargeBody(BaseHTTPRequestHandler):
    """An upstream sending BODY_BYTES of CSV-ish lines, without a Content-Length."""

    BODY_BYTES = 20 * 1024 * 1024

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        line = b"2021-01-01,County,State,01001,1,0\n"
        lines, block = self.BODY_BYTES // len(line), 2048  # a write per line cost ~1 s of CPU
        with contextlib.suppress(ConnectionError):  # the client stops reading past its limit
            for _ in range(lines // block):
                self.wfile.write(line * block)
            self.wfile.write(line * (lines % block))

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def moto_bucket(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():  # its own fake credentials
        aws.reset_clients()
        boto3.client("s3").create_bucket(Bucket="data")
        yield Settings("data", *["x"] * 5, http_retries=1, http_timeout_seconds=2.0)
        aws.reset_clients()


@contextlib.contextmanager
def large_body_url():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), LargeBody)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/us-counties.csv"
    finally:
        server.shutdown()
        server.server_close()


def test_a_download_larger_than_an_upload_part_streams_to_s3_in_parts(moto_bucket) -> None:  # type: ignore[no-untyped-def]
    with large_body_url() as url:
        result = extract_source(moto_bucket, "r1", "nyt", url, "us-counties")
    stored = boto3.client("s3").head_object(Bucket="data", Key=keys.raw("r1", "nyt"))
    # Uploaded in 8 MB parts (an ETag "<md5>-<parts>"), read as the body arrived.
    assert stored["ETag"].endswith('-3"')
    assert result["bytes"] == stored["ContentLength"] > LargeBody.BODY_BYTES - 64


def test_a_truncated_download_stores_nothing(moto_bucket) -> None:  # type: ignore[no-untyped-def]
    faults = {"nyt": UpstreamFaults(truncate=True)}
    with (
        SourcesServer(faults=faults) as server,
        pytest.raises(SourceUnavailable, match="truncated download"),
    ):
        extract_source(moto_bucket, "r1", "nyt", server.urls["nyt"])
    assert faults["nyt"].truncated == 1
    assert aws.head_object("data", keys.raw("r1", "nyt")) is None
    assert aws.head_object("data", keys.source_state("nyt")) is None


def test_a_download_passing_the_limit_midway_aborts_its_upload(moto_bucket) -> None:  # type: ignore[no-untyped-def]
    # No Content-Length: the limit is found in the second 8 MB part, the first one sent already.
    capped = replace(moto_bucket, max_source_bytes=12 * 1024 * 1024)
    with large_body_url() as url, pytest.raises(SourceUnavailable) as raised:
        extract_source(capped, "r1", "nyt", url, "us-counties")
    assert raised.value.problem == (
        "too large: over the 12,582,912 bytes allowed (the dataset's limit); stopped reading"
    )
    assert aws.head_object("data", keys.raw("r1", "nyt")) is None
    uploads = boto3.client("s3").list_multipart_uploads(Bucket="data").get("Uploads", [])
    assert uploads == []  # aborted, not left for the lifecycle rule
