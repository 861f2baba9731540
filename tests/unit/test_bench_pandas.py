"""The benchmark's pandas transform does the library's job: same rows, same rejects, same diff.

Correctness only: timings never go into tests (`make bench` measures them).
"""

from __future__ import annotations

from datetime import date

import pytest

from bench.pandas_transform import pandas_transform
from bench.transform import Outcome, library_transform

RUN_DATE = date(2020, 3, 31)
NYT = b"""date,cases,deaths
2020-03-01,10,1
2020-03-02,12,1
2020-03-02,13,1
2020-03-03,-1,2
2020-3-04,14,2
2020-03-05,15,x
2020-03-06,16,2
2020-03-07, 17 ,3
2020-03-07,17,3
2020-03-08,10000000000,3
2099-01-01,1,1
"""
JHU = b"""\xef\xbb\xbfDate,Country/Region,Province/State,Lat,Long,Confirmed,Recovered,Deaths
2020-03-01,US,,37.1,-95.7,10,0,1
2020-03-01,"Korea, South",,35.9,127.8,5,0,0
2020-03-02,US,,37.1,-95.7,12,1,1
2020-03-03,US,,37.1,-95.7,14,2,2
2020-03-06,US,,37.1,-95.7,16,3,2
2020-03-06,US,Texas,31.0,-100.0,4,1,0
2020-03-07,US,,37.1,-95.7,17,4,3
2020-03-08,US,,37.1,-95.7,18,5,3
"""
SNAPSHOT = b"""date,cases,deaths,recovered
2020-03-01,10,1,0
2020-03-02,12,1,0
2020-03-06,16,2,3
"""


@pytest.mark.parametrize("transform", [library_transform, pandas_transform])
def test_each_implementation_gives_the_expected_outcome(transform: object) -> None:
    outcome = transform(NYT, JHU, SNAPSHOT, RUN_DATE)  # type: ignore[operator]

    assert outcome == Outcome(
        records=[
            ("2020-03-01", 10, 1, 0),
            ("2020-03-06", 16, 2, 3),
            ("2020-03-07", 17, 3, 4),
        ],
        new=["2020-03-07"],
        revised=[],
        unchanged=2,
        # conflicting duplicates (both), negative count, bad date, non-integer, an identical
        # duplicate, a count out of range, future date
        rejected=8,
        out_of_scope=2,
    )


def test_a_changed_snapshot_changes_both_diffs_alike() -> None:
    snapshot = SNAPSHOT.replace(b"2020-03-06,16,2,3", b"2020-03-06,15,2,3")

    library = library_transform(NYT, JHU, snapshot, RUN_DATE)
    pandas = pandas_transform(NYT, JHU, snapshot, RUN_DATE)

    assert library == pandas
    assert library.revised == ["2020-03-06"]
    assert library.unchanged == 1
