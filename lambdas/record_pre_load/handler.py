"""RecordPreLoad: the counts so far into the run record."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.record_pre_load import record_pre_load

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "sources": {"type": "object", "required": ["nyt", "jhu"]},
        "transform": {"type": "object", "required": ["joined", "matched", "dropped_by_join"]},
        "retries": {"type": "object", "required": ["received"]},
        "plan": {"type": "object", "required": ["new", "revised", "unchanged", "retried", "delta"]},
    }
)

handler = lambda_handler(SCHEMA, record_pre_load)
