"""PublishChanges: a batch of changed records -> RecordChanged events on the pipeline's bus."""

from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema
from covid_etl.steps.publish_changes import publish_changes

ITEM = {
    "type": "object",
    "properties": {
        "date": DAY,
        "change": {"enum": ["new", "revised"]},
        "before": {"type": ["object", "null"]},
        "after": {"type": "object"},
    },
    "required": ["date", "change", "before", "after"],
}
# An ItemBatcher batch is never empty.
SCHEMA = schema({"run_id": RUN_ID, "items": {"type": "array", "items": ITEM, "minItems": 1}})

handler = lambda_handler(SCHEMA, publish_changes)
