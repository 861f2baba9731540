"""HTTP download of one source: timeouts, bounded retries with backoff, conditional GET."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

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
    size: int  # the bytes saved (0 on 304)
    etag: str | None


def download(
    source: str,
    url: str,
    *,
    etag: str | None,
    save: Callable[[BinaryIO], None],
    timeout_seconds: float,
    retries: int,
    backoff_seconds: float,
    max_bytes: int,
) -> Download:
    """GET ``url`` and hand the body, as a stream read as it arrives, to ``save`` (an upload to
    S3): the body is never whole in memory. On 304 (If-None-Match matched) nothing is saved:
    the source is unchanged.

    A body over ``max_bytes`` (decompressed) fails: by its Content-Length before it is read when
    the server sends one, else as soon as the stream passes the limit; a body cut short fails
    too. Either way ``save`` sees the error from its read, so it must not keep what it read.
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
            size = _save_at_most(source, url, response, max_bytes, save)
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
        return Download(status=304, size=0, etag=etag)
    if response.status_code != 200:
        raise SourceUnavailable(
            source, url, f"HTTP {response.status_code} {response.reason} after {retries} retries"
        )
    return Download(status=200, size=size, etag=response.headers.get("ETag"))


def _save_at_most(
    source: str,
    url: str,
    response: requests.Response,
    max_bytes: int,
    save: Callable[[BinaryIO], None],
) -> int:
    """The bytes ``save`` read from a 200's body (0 for another status: nothing saved)."""
    if response.status_code != 200:
        return 0
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceUnavailable(source, url, too_large(max_bytes, int(declared)))
    body = BoundedBody(
        response.iter_content(chunk_size=1024 * 1024),
        max_bytes,
        SourceUnavailable(source, url, too_large(max_bytes)),
    )
    save(body)
    return body.size


class BoundedBody:
    """A body's chunks as a file to read, which fails with ``over_limit`` once more than
    ``max_bytes`` came (requests' iter_content keeps its own errors: a truncated body is
    ChunkedEncodingError, a stalled one a timeout). A read of n bytes gets n until the body
    ends: s3transfer reads each part (8 MB, at least 5 MB but the last) in one call."""

    def __init__(self, chunks: Iterator[bytes], max_bytes: int, over_limit: Exception):
        self._chunks = chunks
        self._held = b""
        self._max_bytes = max_bytes
        self._over_limit = over_limit
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        parts, wanted = [self._held], size - len(self._held)
        while size < 0 or wanted > 0:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self.size += len(chunk)
            if self.size > self._max_bytes:
                raise self._over_limit
            parts.append(chunk)
            wanted -= len(chunk)
        data = b"".join(parts)
        if size < 0:
            self._held = b""
            return data
        self._held = data[size:]
        return data[:size]

    def close(self) -> None:
        """Stop reading (s3transfer closes what it uploaded, boto/s3transfer#80)."""
        self._held = b""
        self._chunks = iter(())


def too_large(max_bytes: int, size: int | None = None) -> str:
    """The problem of a source over the limit: its size when known, else where reading stopped."""
    if size is None:
        return f"too large: over the {max_bytes:,} bytes allowed (the dataset's limit); stopped reading"
    return f"too large: {size:,} bytes, more than the {max_bytes:,} allowed (the dataset's limit); not read"


def _root(exc: BaseException) -> str:
    while exc.__cause__ is not None or (exc.args and isinstance(exc.args[0], BaseException)):
        exc = exc.__cause__ or exc.args[0]
    return str(exc) or type(exc).__name__
