"""A hanging upstream, against the download (covid_etl/extract.py) on a server on 127.0.0.1: a
hang that passes is retried; one that does not fails with what the run's email then says.
tests/e2e/test_faults.py shows a source failing a run through the state machine (HTTP 5xx)."""

from __future__ import annotations

import io

import pytest

from covid_etl.extract import SourceUnavailable, download
from etl_tools.local.sources_server import SourcesServer, UpstreamFaults

RETRIES = 2
FAST = {"timeout_seconds": 0.3, "retries": RETRIES, "backoff_seconds": 0.01, "max_bytes": 10**7}


def fetch(server: SourcesServer) -> int:
    kept = io.BytesIO()
    got = download(
        "jhu", server.urls["jhu"], etag=None, save=lambda body: kept.write(body.read()), **FAST
    )
    assert kept.getvalue().startswith(b"Date,"), "the whole file once it answers"
    return got.status


def test_a_hang_that_passes_is_retried() -> None:
    faults = {"jhu": UpstreamFaults(hangs=1, hang_seconds=0.6)}
    with SourcesServer(faults=faults) as server:
        assert fetch(server) == 200
    assert faults["jhu"].requests == 2


def test_a_hang_that_lasts_fails_the_source_after_its_retries_saying_it_timed_out() -> None:
    faults = {"jhu": UpstreamFaults(hangs=100, hang_seconds=0.6)}
    with SourcesServer(faults=faults) as server, pytest.raises(SourceUnavailable) as raised:
        fetch(server)
    assert faults["jhu"].requests == RETRIES + 1
    message = str(raised.value)
    assert message.startswith(f"source jhu: connection failed after {RETRIES} retries"), message
    assert "timed out" in message and server.urls["jhu"] in message
