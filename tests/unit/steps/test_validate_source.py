"""ValidateSource (covid_etl/steps/validate_source.py) against the in-memory AWS layer."""

from __future__ import annotations

import io
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys, sources
from covid_etl.datasets import COUNTY_SPEC
from covid_etl.records import read_csv
from covid_etl.sources import BLOCK_BYTES as BLOCK
from covid_etl.sources import SourceUnusable, validate
from covid_etl.steps.validate_source import REJECT_SAMPLES, validate_source

EXTRACT = {"source": "nyt", "url": "https://example.org/us.csv", "http_status": 200}


def test_good_rows_are_staged_and_bad_ones_quarantined_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.raw("r1", "nyt"))] = (
        b"date,cases,deaths\n2020-03-01,10,1\n2020-03-02,-5,1\n2020-03-03,12,2\n"
    )

    summary = validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT)

    assert summary["extracted"] == 3 and summary["valid"] == 2 and summary["rejected"] == 1
    assert summary["http_status"] == 200  # the extract's fields travel on
    staged = read_csv(fake_aws.objects[("data", keys.valid("r1", "nyt"))])
    assert [row["date"] for row in staged] == ["2020-03-01", "2020-03-03"]
    rejects = fake_aws.objects[("data", summary["rejects_key"])].decode()
    assert "2020-03-02,-5,1" in rejects
    assert summary["reject_samples"][0].startswith("line 3: ")


def test_a_clean_source_has_no_rejects_file_and_samples_are_capped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.raw("r1", "nyt"))] = b"date,cases,deaths\n2020-03-01,10,1\n"
    summary = validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT)
    assert "rejects_key" not in summary
    assert ("data", keys.rejects("r1", "nyt")) not in fake_aws.objects

    bad = "".join(f"2020-03-{day:02d},x,1\n" for day in range(2, 11))
    raw = f"date,cases,deaths\n2020-03-01,10,1\n{bad}"
    fake_aws.objects[("data", keys.raw("r2", "nyt"))] = raw.encode()
    summary = validate_source(SETTINGS, "r2", "2020-03-20", "nyt", EXTRACT)
    assert summary["rejected"] == 9 and len(summary["reject_samples"]) == REJECT_SAMPLES


def test_a_source_without_one_valid_row_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.raw("r1", "nyt"))] = b"date,cases,deaths\n2020-03-01,x,1\n"
    with pytest.raises(SourceUnusable, match="no valid rows"):
        validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT)
    assert ("data", keys.valid("r1", "nyt")) not in fake_aws.objects


def test_a_county_file_is_staged_with_its_labels_and_a_duplicate_key_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.raw("r1", "nyt"))] = (
        b"date,county,state,fips,cases,deaths\n"
        b"2020-03-01,Unknown,Washington,,3,0\n"
        b"2020-03-01,Autauga,Alabama,01001,1,0\n"
        b"2020-03-01,Autauga,Alabama,01001,2,0\n"
        b"2020-03-01,King,Washington,53033,10,1\n"
    )

    summary = validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT, "us-counties")

    assert (summary["extracted"], summary["valid"], summary["rejected"]) == (4, 2, 2)
    assert summary["reject_samples"][0] == (
        "line 3: conflicting duplicates of 2020-03-01, fips 01001 on lines 3, 4: key quarantined"
    )
    staged = fake_aws.objects[("data", keys.valid("r1", "nyt"))].decode()
    assert staged == (
        "date,county,state,fips,cases,deaths\n"
        "2020-03-01,King,Washington,53033,10,1\n"
        "2020-03-01,Unknown,Washington,,3,0\n"
    )


class _ReadUpTo(io.BytesIO):
    """A raw object that fails if read past ``limit`` bytes: the step must stream it."""

    def __init__(self, data: bytes, limit: int):
        super().__init__(data)
        self.limit = limit

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or self.tell() + size > self.limit:
            raise AssertionError(f"read past byte {self.limit:,}: the file was read whole")
        return super().read(size)


def test_a_dataset_sorted_by_date_is_validated_as_its_file_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # us-counties declares its files sorted by date: a date going back is found in the first
    # block read, before the rest of the file (over 1 MB more of rows) is read.
    fake_aws = fake_aws_layer(monkeypatch)
    head = b"date,county,state,fips,cases,deaths\n2020-03-02,King,Washington,53033,10,1\n"
    back = b"2020-03-01,King,Washington,53033,9,1\n"
    tail = b"2020-03-03,King,Washington,53033,11,1\n" * 100_000
    raw = head + back + tail
    monkeypatch.setattr(fake_aws, "open_object", lambda bucket, key: _ReadUpTo(raw, 2 * BLOCK))

    with pytest.raises(SourceUnusable, match="not sorted by date: line 3"):
        validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT, "us-counties")
    assert len(raw) > 2 * BLOCK and ("data", keys.valid("r1", "nyt")) not in fake_aws.objects


def test_the_streamed_path_stages_what_the_whole_file_path_stages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same sorted county file through the streamed step and through validate(): the same
    # staged rows (sorted by key within each date), counts and rejects.
    fake_aws = fake_aws_layer(monkeypatch)
    raw = (
        b"date,county,state,fips,cases,deaths\n"
        b"2020-03-01,King,Washington,53033,10,1\n"
        b"2020-03-01,Autauga,Alabama,01001,1,0\n"
        b"2020-03-01,Bad,Alabama,01003,x,0\n"
        b"2020-03-02,Unknown,Washington,,3,0\n"
        b"2020-03-02,Autauga,Alabama,01001,2,0\n"
    )
    fake_aws.objects[("data", keys.raw("r1", "nyt"))] = raw

    summary = validate_source(SETTINGS, "r1", "2020-03-04", "nyt", EXTRACT, "us-counties")

    whole = validate("nyt", raw, run_date=date(2020, 3, 4), spec=COUNTY_SPEC)
    assert (
        (summary["valid"], summary["rejected"]) == (len(whole.rows), len(whole.rejects)) == (4, 1)
    )
    staged = read_csv(fake_aws.objects[("data", keys.valid("r1", "nyt"))])
    assert [(r["date"], r["county"]) for r in staged] == [
        (row.date.isoformat(), row.labels["county"]) for row in whole.rows
    ]
    assert [r["fips"] for r in staged] == ["01001", "53033", "01001", ""]


def test_jhu_other_countries_are_skipped_in_runs_as_in_the_bench(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ValidateSource reads JHU through validate, as bench/transform.py does: the lines of the
    other countries are skipped a run at a time, not parsed."""
    fake_aws = fake_aws_layer(monkeypatch)
    header = "Date,Country/Region,Province/State,Lat,Long,Confirmed,Recovered,Deaths\n"
    other = "".join(
        f"2020-03-{d:02d},{country},,1,1,1,1,1\n"
        for d in range(1, 29)
        for country in ("France", "Spain", "Chad")
    )
    us = "".join(f"2020-03-{d:02d},US,,40,-100,1,{d},1\n" for d in range(1, 29))
    fake_aws.objects[("data", keys.raw("r1", "jhu"))] = (header + other + us + other).encode()
    skipped_in_runs: list[int] = []
    plain_run = sources._plain_run

    def counted(text: str, at: int, stop: int, commas: int) -> tuple[int, int]:
        end, lines = plain_run(text, at, stop, commas)
        skipped_in_runs.append(lines)
        return end, lines

    monkeypatch.setattr(sources, "_plain_run", counted)

    summary = validate_source(SETTINGS, "r1", "2020-04-01", "jhu", EXTRACT | {"source": "jhu"})

    assert summary["valid"] == 28 and summary["out_of_scope"] == 2 * 84
    assert sum(skipped_in_runs) >= 84  # at least every line before the first US row
