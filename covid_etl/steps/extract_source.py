"""Extract: download one source (timeouts, retries, ETag) to raw/<run>/<source>.csv."""

from __future__ import annotations

import json

from covid_etl import aws, datasets, keys
from covid_etl.extract import SourceUnavailable, download, too_large
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "source": {"enum": ["nyt", "jhu"]},
        "url": {"type": "string", "pattern": "^(https?|s3)://"},
        "dataset": DATASET,
    },
    required=["run_id", "source", "url"],
)


def extract_source(
    settings: Settings, run_id: str, source: str, url: str, dataset: str | None = None
) -> dict:
    """Stream the download to raw/<run>/<source>.csv; a 304 copies the previous download.

    An ``s3://`` URL is an uploaded file (the upload trigger): it is copied as it is. Copies
    are server-side and the download goes to S3 as it arrives: the function holds at most a
    few upload parts (aws.UPLOAD_PARTS_IN_MEMORY), whatever the file's size.
    """
    max_bytes = settings.source_limit(datasets.dataset(dataset))
    raw_key = keys.raw(run_id, source)
    if url.startswith("s3://"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        upload = aws.head_object(bucket, key)
        if upload is None:
            raise SourceUnavailable(source, url, "no such uploaded object")
        if upload.size > max_bytes:
            raise SourceUnavailable(source, url, too_large(max_bytes, upload.size))
        # The version checked, not whatever the key holds by now (an upload written again).
        aws.copy_object(bucket, key, settings.data_bucket, raw_key, upload.version_id)
        return {"source": source, "url": url, "http_status": 200, "bytes": upload.size}
    state_key = keys.source_state(source)
    previous = json.loads(aws.get_object(settings.data_bucket, state_key) or b"{}")
    previous_size = None
    if previous.get("url") == url and previous.get("raw_key"):
        previous_raw = aws.head_object(settings.data_bucket, previous["raw_key"])
        previous_size = previous_raw.size if previous_raw else None
    result = download(
        source,
        url,
        etag=previous.get("etag") if previous_size is not None else None,
        save=lambda body: aws.upload_file(settings.data_bucket, raw_key, body),
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        backoff_seconds=settings.http_backoff_seconds,
        max_bytes=max_bytes,
    )
    if result.status == 304:
        if previous_size is None:  # no ETag was sent: a server answering 304 anyway
            raise SourceUnavailable(source, url, "HTTP 304 to a request without an ETag")
        # A run started again (after an approval) has its download already: S3 refuses a copy
        # of an object onto itself.
        if previous["raw_key"] != raw_key:
            aws.copy_object(
                settings.data_bucket, previous["raw_key"], settings.data_bucket, raw_key
            )
        return {"source": source, "url": url, "http_status": 304, "bytes": previous_size}
    state = {"url": url, "etag": result.etag, "raw_key": raw_key}
    aws.put_object(settings.data_bucket, state_key, json.dumps(state).encode(), "application/json")
    return {"source": source, "url": url, "http_status": 200, "bytes": result.size}
