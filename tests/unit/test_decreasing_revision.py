"""A cumulative count that goes down upstream is a correction, not an error: validation keeps the
row (tests/unit/test_sources.py::test_decreasing_cumulative_values_are_kept) and the diff stages
it as a revision carrying the lower value, which the load then writes."""

from __future__ import annotations

from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.merge_diff import REVISED, diff

COUNTIES = DATASETS[US_COUNTIES]


def test_a_lower_value_than_the_snapshots_is_a_revision_to_the_lower_value() -> None:
    held = ("2021-06-03", "53033", "King", "Washington", "1000", "5")
    lowered = ("2021-06-03", "53033", "King", "Washington", "990", "5")
    assert list(diff(COUNTIES, [lowered], [held])) == [(REVISED, lowered)]
