"""Validate: check one source's header and rows; bad rows go to rejects/ with a reason."""

from __future__ import annotations

import csv
from datetime import date

from covid_etl import aws, datasets, keys
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.sources import (
    SOURCES,
    StreamedSource,
    ValidatedSource,
    rejects_csv,
    shorten,
    validate,
    validate_stream,
)
from covid_etl.steps._common import uploaded

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "run_date": DAY,
        "dataset": DATASET,
        "source": {"enum": list(SOURCES)},
        "extract": {"type": "object", "required": ["source", "url", "http_status"]},
    },
    required=["run_id", "run_date", "source", "extract"],
)

# The samples travel in the state payload (256 KB on Step Functions): 5 x 300 characters at
# most; every reject, whole, is in the rejects file.
REJECT_SAMPLES = 5


SAMPLE_CHARACTERS = 300


def validate_source(
    settings: Settings,
    run_id: str,
    run_date: str,
    source: str,
    extract: dict,
    dataset: str | None = None,
) -> dict:
    """Quarantine bad rows in rejects/<run>/<source>.csv; keep the good ones in staged/ (the
    date, the spec's labels, its counts).

    A dataset sorted by date is validated as its raw file streams from S3 and staged through a
    spooled temporary file: memory holds one date's rows, not the file's.
    """
    spec = datasets.dataset(dataset)
    source_spec = spec.sources[source]
    day = date.fromisoformat(run_date)
    raw_key = keys.raw(run_id, source)
    result: ValidatedSource | StreamedSource
    if spec.sorted_by_date:
        stream = aws.open_object(settings.data_bucket, raw_key)
        assert stream is not None, f"raw file of {source} missing"
        result = validate_stream(
            source, stream, run_date=day, max_count=settings.max_count, spec=source_spec
        )
    else:
        data = aws.get_object(settings.data_bucket, raw_key)
        assert data is not None, f"raw file of {source} missing"
        result = validate(
            source, data, run_date=day, max_count=settings.max_count, spec=source_spec
        )
    with uploaded(settings, keys.valid(run_id, source)) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", *source_spec.labels, *source_spec.counts])
        writer.writerows(
            [row.date.isoformat(), *row.labels.values(), *row.values.values()]
            for row in result.rows
        )
    summary = {
        **extract,
        "extracted": result.extracted,
        "rejected": len(result.rejects),
        "out_of_scope": result.out_of_scope,
        "valid": result.extracted - len(result.rejects),
    }
    if result.rejects:
        aws.put_object(
            settings.data_bucket, keys.rejects(run_id, source), rejects_csv(result.rejects)
        )
        summary["rejects_key"] = keys.rejects(run_id, source)
        summary["reject_samples"] = [
            shorten(f"line {r.line_number}: {r.reason}", SAMPLE_CHARACTERS)
            for r in result.rejects[:REJECT_SAMPLES]
        ]
    return summary
