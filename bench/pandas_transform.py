"""The extract-to-staged transform written with pandas, for the benchmark only.

What a user would write instead of covid_etl's pure-Python path: the same job (parse both
sources by header name, clean, inner join on date, diff against the snapshot) with the same
rules (ISO dates, integer counts from 0 to the plausible maximum, no future dates, identical
repeats of a day collapsed and conflicting ones quarantining it,
JHU's US national rows only, NYT authoritative). Never imported by covid_etl nor shipped in a
Lambda: pandas is in the `bench` extras only.

One difference, by pandas' design: a line with too many fields is skipped by the C parser
without a count, where the library rejects it with a reason. The benchmark's inputs (the real
files) have none.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from bench.transform import Outcome
from covid_etl.sources import DEFAULT_MAX_COUNT, JHU, NYT, SPECS, SourceSpec

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
COUNT = r"\d+"


def pandas_transform(nyt: bytes, jhu: bytes, snapshot_csv: bytes, run_date: date) -> Outcome:
    nyt_rows, nyt_rejected, nyt_out = _validated(nyt, SPECS[NYT], run_date)
    jhu_rows, jhu_rejected, jhu_out = _validated(jhu, SPECS[JHU], run_date)
    joined = nyt_rows.merge(jhu_rows, on="date", how="inner", validate="one_to_one")
    joined = joined.sort_values("date", ignore_index=True)

    snapshot = pd.read_csv(io.BytesIO(snapshot_csv), dtype={"date": str})
    diff = joined.merge(snapshot, on="date", how="left", suffixes=("", "_known"), indicator=True)
    known = diff["_merge"] == "both"
    differs = pd.Series(False, index=diff.index)
    for column in ("cases", "deaths", "recovered"):
        differs |= diff[column] != diff[f"{column}_known"]
    return Outcome(
        records=list(
            zip(
                joined["date"].tolist(),
                joined["cases"].tolist(),
                joined["deaths"].tolist(),
                joined["recovered"].tolist(),
                strict=True,
            )
        ),
        new=diff.loc[~known, "date"].tolist(),
        revised=diff.loc[known & differs, "date"].tolist(),
        unchanged=int((known & ~differs).sum()),
        rejected=nyt_rejected + jhu_rejected,
        out_of_scope=nyt_out + jhu_out,
    )


def _validated(data: bytes, spec: SourceSpec, run_date: date) -> tuple[pd.DataFrame, int, int]:
    """(valid rows as date + counts, rejected, out of scope) of one source."""
    frame = pd.read_csv(
        io.BytesIO(data),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        usecols=list(spec.required_columns),
        on_bad_lines="skip",
    )
    frame = frame.fillna("").apply(lambda column: column.str.strip())
    in_scope = pd.Series(True, index=frame.index)
    for column, value in spec.scope.items():
        in_scope &= frame[column] == value
    out_of_scope = int((~in_scope).sum())
    frame = frame[in_scope]

    raw_date = frame[spec.date_column]
    day = pd.to_datetime(raw_date, format="%Y-%m-%d", errors="coerce")
    valid = raw_date.str.fullmatch(ISO_DATE) & day.notna() & (day <= pd.Timestamp(run_date))
    for column in spec.counts.values():
        valid &= frame[column].str.fullmatch(COUNT)
        digits = frame[column].where(valid, "0").str.lstrip("0").str.len()
        valid &= digits <= len(str(DEFAULT_MAX_COUNT))
        valid &= pd.to_numeric(frame[column].where(valid, "0")) <= DEFAULT_MAX_COUNT
    # One row per day: an identical repeat collapses into the first, conflicting rows quarantine
    # the day.
    key = pd.DataFrame(
        {"date": raw_date, **{c: frame[c].str.lstrip("0") for c in spec.counts.values()}}
    )[valid]
    distinct = key.drop_duplicates()
    conflicting = distinct["date"][distinct["date"].duplicated()]
    valid &= ~key.duplicated().reindex(frame.index, fill_value=False)
    valid &= ~raw_date.isin(conflicting)

    rows = pd.DataFrame({"date": raw_date[valid]})
    for name, column in spec.counts.items():
        rows[name] = frame.loc[valid, column].astype("int64")
    return rows, int((~valid).sum()), out_of_scope
