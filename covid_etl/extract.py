"""HTTP download of one source: timeouts, bounded retries with backoff, conditional GET."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)
# One download must end inside the function's timeout (180 s), or the function dies with a
# timeout that no Retry names and no email explains: worst_case_seconds() bounds it, and
# tests/infra checks it against Terraform's defaults.
CONNECT_TIMEOUT_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 10.0
RETRY_AFTER_MAX_SECONDS = 10.0


class BoundedRetry(Retry):
    """urllib3's Retry, with the server's Retry-After capped: a server asking for an hour would
    outlast the function."""

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_MAX_SECONDS)


def worst_case_seconds(
    timeout_seconds: float,
    retries: int,
    backoff_seconds: float,
    connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
    longest_sleep_seconds: float = max(BACKOFF_MAX_SECONDS, RETRY_AFTER_MAX_SECONDS),
) -> float:
    """The longest download() waits before it answers: every attempt connecting and reading to
    its timeouts, every retry sleeping its backoff or a capped Retry-After, whichever is set.
    (Each read of the body is bounded by the timeout; a body trickling in is not.)"""
    backoffs = [0.0] + [backoff_seconds * 2 ** (n - 1) for n in range(2, retries + 1)]
    sleeps = sum(max(min(b, BACKOFF_MAX_SECONDS), longest_sleep_seconds) for b in backoffs)
    return (retries + 1) * (connect_timeout_seconds + timeout_seconds) + sleeps


class SourceUnavailable(Exception):
    """The upstream did not deliver the file, even after retries."""

    def __init__(self, source: str, url: str, problem: str):
        super().__init__(f"source {source}: {problem} ({url})")
        self.source = source
        self.url = url
        self.problem = problem


@dataclass(frozen=True)
class Download:
    status: int  # 200, or 304 when the ETag still matches
    body: bytes | None
    etag: str | None


def download(
    source: str,
    url: str,
    *,
    etag: str | None,
    timeout_seconds: float,
    retries: int,
    backoff_seconds: float,
    max_bytes: int,
) -> Download:
    """GET ``url``; on 304 (If-None-Match matched) the body is None: the source is unchanged.

    A body over ``max_bytes`` (decompressed) fails before it is held whole: by its
    Content-Length when the server sends one, else as soon as the stream passes the limit.
    """
    retry = BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_seconds,
        backoff_max=BACKOFF_MAX_SECONDS,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    headers = {"User-Agent": "covid-etl/0.1", "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        try:
            response = session.get(
                url,
                headers=headers,
                timeout=(CONNECT_TIMEOUT_SECONDS, timeout_seconds),
                stream=True,
            )
            body = _read_at_most(source, url, response, max_bytes)
        except requests.exceptions.ChunkedEncodingError as exc:
            raise SourceUnavailable(source, url, f"truncated download: {_root(exc)}") from None
        except requests.exceptions.RetryError as exc:
            raise SourceUnavailable(
                source, url, f"gave up after {retries} retries: {_root(exc)}"
            ) from None
        except requests.exceptions.Timeout:
            raise SourceUnavailable(
                source, url, f"timed out after {retries} retries ({timeout_seconds:g} s each)"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise SourceUnavailable(
                source, url, f"connection failed after {retries} retries: {_root(exc)}"
            ) from None
    if response.status_code == 304:
        return Download(status=304, body=None, etag=etag)
    if response.status_code != 200:
        raise SourceUnavailable(
            source, url, f"HTTP {response.status_code} {response.reason} after {retries} retries"
        )
    return Download(status=200, body=body, etag=response.headers.get("ETag"))


def _read_at_most(source: str, url: str, response: requests.Response, max_bytes: int) -> bytes:
    if response.status_code != 200:
        return b""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceUnavailable(source, url, too_large(max_bytes, int(declared)))
    body = bytearray()
    for chunk in response.iter_content(chunk_size=1024 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise SourceUnavailable(source, url, too_large(max_bytes))
    return bytes(body)


def too_large(max_bytes: int, size: int | None = None) -> str:
    """The problem of a source over the limit: its size when known, else where reading stopped."""
    if size is None:
        return (
            f"too large: over the {max_bytes:,} bytes allowed (MAX_SOURCE_BYTES); stopped reading"
        )
    return f"too large: {size:,} bytes, more than the {max_bytes:,} allowed (MAX_SOURCE_BYTES); not read"


def _root(exc: BaseException) -> str:
    while exc.__cause__ is not None or (exc.args and isinstance(exc.args[0], BaseException)):
        exc = exc.__cause__ or exc.args[0]
    return str(exc) or type(exc).__name__
