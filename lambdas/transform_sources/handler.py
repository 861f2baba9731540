"""TransformSources: inner join of the validated sources on date -> staged/<run>/daily.csv."""

from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema
from covid_etl.steps.transform_sources import transform_sources

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "window": {
            "type": "object",
            "properties": {"from": DAY, "to": DAY},
            "additionalProperties": False,
        },
    }
)

handler = lambda_handler(SCHEMA, transform_sources)
