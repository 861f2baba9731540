"""FanOutChanges' ItemBatcher on a county-size delta: the item count, not the byte cap, cuts the
batches, so a delta of 50,000 county changes is 100 children of 500 (docs/architecture.md#events).
tests/e2e/test_events_at_scale.py runs a delta of two batches through the real Map."""

from __future__ import annotations

import json
import math

from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.events import changes
from etl_tools.naming import Names
from etl_tools.statemachine import DEFINITION_PATH, render, template_values

BATCHER = json.loads(
    render(DEFINITION_PATH.read_text(), template_values(Names("local", "123456789012")))
)["States"]["FanOutChanges"]["ItemBatcher"]
COUNTY_DELTA = 50_000


def county_change(cases: int) -> dict:
    """A revised county day as the changes file holds it, its name and state longer than any US
    county's and state's (100 and 40 characters) and its counts of ten digits: larger than any
    item a county batch carries."""
    row = {"date": "2021-12-31", "fips": "02201", "county": "C" * 100, "state": "S" * 40,
           "cases": str(cases), "deaths": str(cases), "kind": "revised",
           "before_cases": str(cases), "before_deaths": str(cases)}  # fmt: skip
    [change] = changes([row], DATASETS[US_COUNTIES])
    return change


def batch_bytes(items: int, cases: int) -> int:
    """The input of one child: BatchInput and Items, as the Map hands it over."""
    batch = {
        "BatchInput": {"run_id": "run-2021-12-31T06-00-00Z-0123abcd", "dataset": US_COUNTIES},
        "Items": [county_change(cases)] * items,
    }
    return len(json.dumps(batch).encode())


def test_a_full_batch_of_the_largest_county_changes_fits_the_byte_cap() -> None:
    full = BATCHER["MaxItemsPerBatch"]
    assert batch_bytes(full, 10**9) <= BATCHER["MaxInputBytesPerBatch"]
    assert math.ceil(COUNTY_DELTA / full) == 100


def test_the_byte_cap_would_cut_a_batch_of_larger_items() -> None:
    """The check above can fail: twice the bytes a batch (1,000 such items) pass the cap."""
    full = BATCHER["MaxItemsPerBatch"]
    assert batch_bytes(full * 2, 10**9) > BATCHER["MaxInputBytesPerBatch"]
