"""The daily record, its CSV form, the join of the two sources and the diff against the snapshot.

Pure functions: staged files, snapshots and deltas are all the same small CSV layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from covid_etl.merge_diff import merge
from covid_etl.sources import SourceRow, SourceUnusable

RECORD_FIELDS = ("date", "cases", "deaths", "recovered")

NEW, REVISED, RETRY = "new", "revised", "retry"
LOADED = "loaded"  # a delta row's outcome when the table holds it after the load
# The values a changed record had before (the snapshot's; empty for a new day): the delta and
# the outcome carry them so the RecordChanged events can say before -> after.
BEFORE_FIELDS = ("before_cases", "before_deaths", "before_recovered")


@dataclass(frozen=True, order=True)
class DailyRecord:
    date: date
    cases: int
    deaths: int
    recovered: int

    def as_row(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DailyRecord:
        """From a CSV row (strings) or a DynamoDB item (numbers as Decimal), extra fields ignored."""
        return cls(
            date=date.fromisoformat(row["date"]),
            cases=int(row["cases"]),
            deaths=int(row["deaths"]),
            recovered=int(row["recovered"]),
        )


@dataclass(frozen=True)
class JoinResult:
    records: list[DailyRecord]
    nyt_only: int
    jhu_only: int


def join_sources(nyt: list[SourceRow], jhu: list[SourceRow]) -> JoinResult:
    """Inner join on date: NYT gives cases and deaths (authoritative), JHU gives recovered."""
    recovered = {row.date: row.values["recovered"] for row in jhu}
    records = [
        DailyRecord(row.date, row.values["cases"], row.values["deaths"], recovered[row.date])
        for row in nyt
        if row.date in recovered
    ]
    if nyt and jhu and not records:
        raise SourceUnusable(
            "nyt+jhu",
            f"the sources share no day (nyt {nyt[0].date}..{nyt[-1].date}, "
            f"jhu {jhu[0].date}..{jhu[-1].date})",
        )
    return JoinResult(
        records=sorted(records),
        nyt_only=len(nyt) - len(records),
        jhu_only=len(jhu) - len(records),
    )


def in_window(
    records: list[DailyRecord], start: date | None, end: date | None
) -> list[DailyRecord]:
    return [
        r for r in records if (start is None or r.date >= start) and (end is None or r.date <= end)
    ]


@dataclass(frozen=True)
class Change:
    record: DailyRecord
    kind: str  # NEW | REVISED | RETRY
    before: DailyRecord | None = None  # the snapshot's value of the day, if it has one


@dataclass(frozen=True)
class Plan:
    changes: list[Change]
    unchanged: int
    retried: int  # retry records still current: to write
    superseded: int  # retry records a newer value of their day replaced (today's or a later run's)
    loaded: int  # days in the snapshot (the approval gate's share is of these)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def plan_delta(
    staged: list[DailyRecord],
    snapshot: Iterable[DailyRecord],
    retries: list[DailyRecord],
) -> Plan:
    """What to write: staged days that are new or differ from the snapshot, plus retries.

    ``staged`` and ``snapshot`` are sorted by date (the snapshot streamed from its file: one
    merge pass, covid_etl.merge_diff). A queued (or redriven) record is written only while it
    is still its day's newest value:
    - today's changed row wins over it: it is at least as fresh;
    - the snapshot holds each day's newest value loaded or queued (a queued day counts as
      handed over), so a retry that differs from the snapshot was replaced by a later run,
      typically after upstream corrected the day while the record sat in the DLQ: it is
      dropped, never written over the newer value;
    - a retry equal to the snapshot is written even if today's row is unchanged: the queued
      record may be the only way that day reaches the table.
    """
    changes: list[Change] = []
    unchanged = loaded = 0
    retry_days = {r.date for r in retries}
    known_of_retried: dict[date, DailyRecord] = {}
    for record, known in merge(staged, snapshot, key=attrgetter("date")):
        if known is not None:
            loaded += 1
            if known.date in retry_days:
                known_of_retried[known.date] = known
        if record is None:
            continue
        if known is None:
            changes.append(Change(record, NEW))
        elif known != record:
            changes.append(Change(record, REVISED, before=known))
        else:
            unchanged += 1
    changed_days = {c.record.date for c in changes}
    current = {r.date: r for r in retries if known_of_retried.get(r.date, r) == r}
    retried = [r for r in current.values() if r.date not in changed_days]
    changes.extend(Change(r, RETRY, before=known_of_retried.get(r.date)) for r in sorted(retried))
    return Plan(
        changes=changes,
        unchanged=unchanged,
        retried=len(retried),
        superseded=len(retries) - len(retried),
        loaded=loaded,
    )


def reconcile(
    delta: list[dict[str, str]], loaded: dict[date, DailyRecord], reasons: dict[str, str]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The counts and each delta row's (outcome, reason): a row is loaded only if the table now
    holds exactly it; reasons are the load job's, by ISO date."""
    counts = {"inserted": 0, "updated": 0, "failed": 0}
    outcomes = []
    for row in delta:
        record = DailyRecord.from_row(row)
        if loaded.get(record.date) == record:
            counts["inserted" if row["kind"] == NEW else "updated"] += 1
            outcomes.append((LOADED, ""))
        else:
            counts["failed"] += 1
            outcomes.append(
                ("failed", reasons.get(row["date"]) or "not in the table after the load")
            )
    return counts, outcomes


@dataclass(frozen=True)
class Settlement:
    """What a run does to the retry queue: messages to send (records that failed this run),
    receipt handles to make visible at once (a retried record that failed again keeps its
    message, so SQS counts the attempt and moves it to the DLQ after maxReceiveCount runs) and
    receipt handles to delete (settled)."""

    to_send: list[dict[str, Any]]
    to_keep: list[str]
    to_delete: list[str]


def settle_retries(
    run_id: str, outcome: list[dict[str, str]], retries: list[dict[str, Any]]
) -> Settlement:
    """Settle the retry messages this run received against its outcome rows."""
    handles_by_day: dict[str, list[str]] = {}
    for entry in retries:
        handles_by_day.setdefault(entry["record"]["date"], []).append(entry["receipt_handle"])
    to_send, to_keep, to_delete = [], [], []
    for row in outcome:
        handles = handles_by_day.pop(row["date"], [])
        if row["outcome"] == LOADED:
            to_delete += handles
        elif row["origin"] == RETRY and handles:
            to_keep.append(handles[0])
            to_delete += handles[1:]
        else:
            to_delete += handles
            record = {k: row[k] for k in RECORD_FIELDS}
            to_send.append(
                {"run_id": run_id, "kind": row["kind"], "record": record, "reason": row["reason"]}
            )
    # Messages for days today's sources superseded and that did not need a write.
    for handles in handles_by_day.values():
        to_delete += handles
    return Settlement(to_send, to_keep, to_delete)


def to_csv(records: list[DailyRecord], extra: dict[str, list[str]] | None = None) -> bytes:
    """Records as CSV; ``extra`` adds columns (name -> one value per record)."""
    extra = extra or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*RECORD_FIELDS, *extra])
    for i, record in enumerate(records):
        writer.writerow([*record.as_row().values(), *(values[i] for values in extra.values())])
    return out.getvalue().encode()


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def records_from_csv(data: bytes) -> list[DailyRecord]:
    return [DailyRecord.from_row(row) for row in read_csv(data)]


def stream_records(data: bytes) -> Iterator[DailyRecord]:
    """The records of a CSV one at a time, in file order (the snapshot: sorted by date)."""
    return (DailyRecord.from_row(row) for row in csv.DictReader(io.StringIO(data.decode())))
