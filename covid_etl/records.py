"""The records of a dataset, their CSV form, the join of its sources and the diff against the
snapshot.

Pure functions: staged files, snapshots and deltas are all the same small CSV layout, the
dataset's columns (covid_etl.datasets); every function takes the dataset, the national series
(``us``) when none is given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any, TextIO

from covid_etl.datasets import DEFAULT, Dataset, Record, dataset
from covid_etl.merge_diff import merge
from covid_etl.sources import JHU, NYT, SourceRow, SourceUnusable

US = dataset(DEFAULT)
RECORD_FIELDS = US.columns

NEW, REVISED, RETRY = "new", "revised", "retry"
LOADED = "loaded"  # a delta row's outcome when the table holds it after the load

# The national series' record: DailyRecord(date, cases, deaths, recovered).
DailyRecord: Any = US.record


def before_fields(spec: Dataset = US) -> tuple[str, ...]:
    """The values a changed record had before (the snapshot's; empty for a new one): the delta
    and the outcome carry them so the RecordChanged events can say before -> after."""
    return tuple(f"before_{name}" for name in spec.counts)


BEFORE_FIELDS = before_fields()


@dataclass(frozen=True)
class JoinResult:
    records: list[Any]
    dropped: dict[str, int]  # per source: its valid rows no other source matched

    @property
    def nyt_only(self) -> int:
        return self.dropped.get(NYT, 0)

    @property
    def jhu_only(self) -> int:
        return self.dropped.get(JHU, 0)


def join(spec: Dataset, rows: dict[str, list[SourceRow]]) -> JoinResult:
    """Inner join of the dataset's sources on its key: each source gives its own columns (the
    first source its labels too); a dataset of one source keeps every row."""

    def key(source: str, row: SourceRow) -> tuple[date, tuple[str, ...]]:
        return row.date, spec.sources[source].key_of(row)

    first, *others = spec.sources
    by_key = {name: {key(name, row): row for row in rows[name]} for name in others}
    records = []
    for row in rows[first]:
        found = key(first, row)
        matches = [by_key[name].get(found) for name in others]
        if None in matches:
            continue
        values: dict[str, Any] = {"date": row.date, **row.labels, **row.values}
        values.update(zip(spec.sources[first].key_labels, found[1], strict=True))
        for match in matches:
            values.update(match.values)  # type: ignore[union-attr]
        records.append(spec.record(**{name: values[name] for name in spec.columns}))
    if others and all(rows.values()) and not records:
        spans = ", ".join(f"{n} {r[0].date}..{r[-1].date}" for n, r in rows.items())
        raise SourceUnusable("+".join(spec.sources), f"the sources share no day ({spans})")
    return JoinResult(
        records=sorted(records),
        dropped={name: len(rows[name]) - len(records) for name in spec.sources},
    )


def join_sources(nyt: list[SourceRow], jhu: list[SourceRow]) -> JoinResult:
    """The national series' join: NYT gives cases and deaths (authoritative), JHU recovered."""
    return join(US, {NYT: nyt, JHU: jhu})


def in_window(records: list[Any], start: date | None, end: date | None) -> list[Any]:
    return [
        r for r in records if (start is None or r.date >= start) and (end is None or r.date <= end)
    ]


@dataclass(frozen=True)
class Change:
    record: Any  # a dataset's Record
    kind: str  # NEW | REVISED | RETRY
    before: Any = None  # the snapshot's value of the key, if it has one


@dataclass
class Tally:
    """What a plan counted besides its changes (complete once its changes are read)."""

    unchanged: int = 0
    # retry records still current: to write
    retried: int = 0
    # retry records a newer value of their day replaced (today's or a later run's)
    superseded: int = 0
    # days in the snapshot (the approval gate's share is of these)
    loaded: int = 0


@dataclass(frozen=True)
class Plan:
    """The changes in a list and the tally (see Tally)."""

    changes: list[Change]
    unchanged: int
    retried: int
    superseded: int
    loaded: int

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def plan_delta(
    staged: Iterable[Record],
    snapshot: Iterable[Record],
    retries: list[Record],
) -> Plan:
    """``plan_changes`` with its changes in a list."""
    changes, tally = plan_changes(staged, snapshot, retries)
    listed = list(changes)
    return Plan(listed, tally.unchanged, tally.retried, tally.superseded, tally.loaded)


def plan_changes(
    staged: Iterable[Record],
    snapshot: Iterable[Record],
    retries: list[Record],
) -> tuple[Iterator[Change], Tally]:
    """What to write: staged days that are new or differ from the snapshot, plus retries; the
    changes come as they are found, the tally is complete once they are all read.

    ``staged`` and ``snapshot`` are sorted by date (both streamed from their files: one merge
    pass, covid_etl.merge_diff; memory holds the retries, not the rows). A queued (or
    redriven) record is written only while it is still its day's newest value:
    - today's changed row wins over it: it is at least as fresh;
    - the snapshot holds each day's newest value loaded or queued (a queued day counts as
      handed over), so a retry that differs from the snapshot was replaced by a later run,
      typically after upstream corrected the day while the record sat in the DLQ: it is
      dropped, never written over the newer value;
    - a retry equal to the snapshot is written even if today's row is unchanged: the queued
      record may be the only way that day reaches the table.
    """
    tally = Tally()

    def changes() -> Iterator[Change]:
        retry_days = {r.key for r in retries}
        known_of_retried: dict[tuple, Record] = {}
        changed_retry_days: set[tuple] = set()
        for record, known in merge(staged, snapshot, key=attrgetter("key")):
            if known is not None:
                tally.loaded += 1
                if known.key in retry_days:
                    known_of_retried[known.key] = known
            if record is None:
                continue
            if known == record:
                tally.unchanged += 1
                continue
            if record.key in retry_days:
                changed_retry_days.add(record.key)
            yield Change(record, NEW) if known is None else Change(record, REVISED, known)
        current = {r.key: r for r in retries if known_of_retried.get(r.key, r) == r}
        retried = [r for r in current.values() if r.key not in changed_retry_days]
        tally.retried, tally.superseded = len(retried), len(retries) - len(retried)
        for r in sorted(retried):
            yield Change(r, RETRY, before=known_of_retried.get(r.key))

    return changes(), tally


def reconcile(
    delta: list[dict[str, str]],
    loaded: dict[tuple, Record],
    reasons: dict[str, str],
    spec: Dataset = US,
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The counts and each delta row's (outcome, reason): a row is loaded only if the table now
    holds exactly it (``loaded`` by key); reasons are the load job's, by key text."""
    counts = {"inserted": 0, "updated": 0, "failed": 0}
    outcomes = []
    for row in delta:
        record = spec.record.from_row(row)
        if loaded.get(record.key) == record:
            counts["inserted" if row["kind"] == NEW else "updated"] += 1
            outcomes.append((LOADED, ""))
        else:
            counts["failed"] += 1
            outcomes.append(
                ("failed", reasons.get(record.key_text) or "not in the table after the load")
            )
    return counts, outcomes


@dataclass(frozen=True)
class Settlement:
    """What a run does to the retry queue: messages to send (records that failed this run),
    receipt handles to make visible at once (a retried record that failed again keeps its
    message, so SQS counts the attempt and moves it to the DLQ after maxReceiveCount runs) and
    receipt handles to delete (settled). The messages come as the outcome is read; the
    handles are complete once they are all read."""

    to_send: Iterator[dict[str, Any]]
    to_keep: list[str]
    to_delete: list[str]


def settle_retries(
    run_id: str,
    outcome: Iterable[dict[str, str]],
    retries: list[dict[str, Any]],
    spec: Dataset = US,
) -> Settlement:
    """Settle the retry messages this run received against its outcome rows (streamed: memory
    holds the retries, not the rows); a message says its dataset (none: the default), so only
    this dataset's runs receive it."""
    handles_by_day: dict[tuple, list[str]] = {}
    for entry in retries:
        key = tuple(entry["record"][name] for name in spec.key)
        handles_by_day.setdefault(key, []).append(entry["receipt_handle"])
    to_keep: list[str] = []
    to_delete: list[str] = []

    def to_send() -> Iterator[dict[str, Any]]:
        for row in outcome:
            handles = handles_by_day.pop(tuple(row[name] for name in spec.key), [])
            if row["outcome"] == LOADED:
                to_delete.extend(handles)
            elif row["origin"] == RETRY and handles:
                to_keep.append(handles[0])
                to_delete.extend(handles[1:])
            else:
                to_delete.extend(handles)
                record = {k: row[k] for k in spec.columns}
                message = {"run_id": run_id, "kind": row["kind"], "record": record}
                if spec is not US:
                    message["dataset"] = spec.name
                yield {**message, "reason": row["reason"]}
        # Messages for days today's sources superseded and that did not need a write.
        for handles in handles_by_day.values():
            to_delete.extend(handles)

    return Settlement(to_send(), to_keep, to_delete)


def to_csv(
    records: Iterable[Record], extra: dict[str, list[str]] | None = None, spec: Dataset = US
) -> bytes:
    """Records as CSV in the dataset's columns; ``extra`` adds columns (name -> one value per
    record)."""
    out = io.StringIO()
    write_csv(out, records, extra, spec)
    return out.getvalue().encode()


def write_csv(
    out: TextIO,
    records: Iterable[Record],
    extra: dict[str, Iterable[str]] | None = None,
    spec: Dataset = US,
) -> int:
    """Write records as CSV (see to_csv) to ``out`` as they come; how many were written."""
    extra = extra or {}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*spec.columns, *extra])
    values = [iter(column) for column in extra.values()]
    written = 0
    for record in records:
        writer.writerow([*record.as_row().values(), *(next(column) for column in values)])
        written += 1
    return written


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def records_from_csv(data: bytes, spec: Dataset = US) -> list[Record]:
    return [spec.record.from_row(row) for row in read_csv(data)]


def stream_records(data: bytes, spec: Dataset = US) -> Iterator[Record]:
    """The records of a CSV one at a time, in file order (the snapshot: sorted by key)."""
    return records_of(io.StringIO(data.decode()), spec)


def records_of(lines: Iterable[str], spec: Dataset = US) -> Iterator[Record]:
    """The records of a CSV's lines (a file read as it streams), one at a time, in file order."""
    return (spec.record.from_row(row) for row in csv.DictReader(lines))
