"""Extract: download one source (timeouts, retries, ETag) to raw/<run>/<source>.csv."""

from __future__ import annotations

import json

from covid_etl import aws, keys
from covid_etl.extract import SourceUnavailable, download, too_large
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "source": {"enum": ["nyt", "jhu"]},
        "url": {"type": "string", "pattern": "^(https?|s3)://"},
    }
)


def extract_source(settings: Settings, run_id: str, source: str, url: str) -> dict:
    """Download to raw/<run>/<source>.csv; a 304 reuses the previous download.

    An ``s3://`` URL is an uploaded file (the upload trigger): it is copied as it is.
    """
    if url.startswith("s3://"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        try:
            body = aws.get_object(bucket, key, max_bytes=settings.max_source_bytes)
        except aws.ObjectTooLarge as exc:
            raise SourceUnavailable(
                source, url, too_large(settings.max_source_bytes, exc.size)
            ) from None
        if body is None:
            raise SourceUnavailable(source, url, "no such uploaded object")
        aws.put_object(settings.data_bucket, keys.raw(run_id, source), body)
        return {"source": source, "url": url, "http_status": 200, "bytes": len(body)}
    state_key = keys.source_state(source)
    previous = json.loads(aws.get_object(settings.data_bucket, state_key) or b"{}")
    previous_body = None
    if previous.get("url") == url and previous.get("raw_key"):
        previous_body = aws.get_object(settings.data_bucket, previous["raw_key"])
    result = download(
        source,
        url,
        etag=previous.get("etag") if previous_body is not None else None,
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        backoff_seconds=settings.http_backoff_seconds,
        max_bytes=settings.max_source_bytes,
    )
    body = previous_body if result.status == 304 else result.body
    assert body is not None
    raw_key = keys.raw(run_id, source)
    aws.put_object(settings.data_bucket, raw_key, body)
    if result.status == 200:
        state = {"url": url, "etag": result.etag, "raw_key": raw_key}
        aws.put_object(
            settings.data_bucket, state_key, json.dumps(state).encode(), "application/json"
        )
    return {"source": source, "url": url, "http_status": result.status, "bytes": len(body)}
