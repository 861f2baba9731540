"""The diff against the snapshot as a merge of two streams sorted by key.

Today's rows and the snapshot are both sorted by the dataset's key (validate() sorts its rows;
the snapshot is written sorted), so one pass side by side classifies every row as new, revised
or unchanged holding one row of each stream at a time: memory does not grow with the rows.
``merge`` takes any rows and a key function (the national series' DailyRecords by date);
``diff`` takes rows as tuples of text in a dataset's ``columns`` order, its key first.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import groupby
from operator import itemgetter, lt
from typing import Any, BinaryIO, TextIO, TypeVar

from covid_etl.datasets import Dataset
from covid_etl.sources import DEFAULT_MAX_COUNT, SourceRow, StreamedSource, validate_stream

NEW, REVISED, UNCHANGED = "new", "revised", "unchanged"

Row = tuple[str, ...]
T = TypeVar("T")


class UnsortedStream(Exception):
    """A stream is not strictly increasing by key: a merge of it would misclassify rows."""

    def __init__(self, stream: str, previous: object, key: object):
        super().__init__(f"{stream} is not sorted by key: {key} follows {previous}")


def _next(rows: Iterator[T], key: Callable[[T], Any], previous: Any) -> tuple[T | None, Any]:
    """The snapshot's next row and its key (None, None at its end), checked to go up."""
    row = next(rows, None)
    if row is None:
        return None, None
    current = key(row)
    if previous is not None and current <= previous:
        raise UnsortedStream("the snapshot", previous, current)
    return row, current


def merge(
    staged: Iterable[T], snapshot: Iterable[T], key: Callable[[T], Any]
) -> Iterator[tuple[T | None, T | None]]:
    """Both streams side by side, in key order: (today's row, the snapshot's row) of each key,
    None on the side that has none. Each row's key is computed once."""
    known = iter(snapshot)
    held, held_key = _next(known, key, None)
    previous = None
    for row in staged:
        current = key(row)
        if previous is not None and current <= previous:
            raise UnsortedStream("today's rows", previous, current)
        previous = current
        while held is not None and held_key < current:
            yield None, held
            held, held_key = _next(known, key, held_key)
        if held is not None and held_key == current:
            yield row, held
            held, held_key = _next(known, key, held_key)
        else:
            yield row, None
    while held is not None:
        yield None, held
        held, held_key = _next(known, key, held_key)


def _kind(row: Row, known: Row | None) -> str:
    return NEW if known is None else UNCHANGED if known == row else REVISED


def diff(
    dataset: Dataset, staged: Iterable[Row], snapshot: Iterable[Row]
) -> Iterator[tuple[str, Row]]:
    """Each staged row with its kind (NEW, REVISED, UNCHANGED), in key order."""
    width = len(dataset.key)
    for row, known in merge(staged, snapshot, key=lambda r: r[:width]):
        if row is not None:
            yield _kind(row, known), row


class SnapshotDays:
    """The snapshot read one date at a time as ``validate_stream`` reaches it (KnownRows):
    ``day_rows`` holds the rows of the date read last, by key; memory holds one date."""

    def __init__(self, dataset: Dataset, snapshot: Iterable[Row]):
        self.columns = dataset.columns
        self._key = itemgetter(slice(0, len(dataset.key)))
        self._days = groupby(snapshot, key=itemgetter(0))  # the date is the key's first part
        self._held = next(self._days, None)
        self._previous: Row | None = None
        self.day_rows: dict[Row, Row] = {}

    def rows_of_day(self, day: date) -> list[Row]:
        """The snapshot's rows dated ``day`` (the earlier ones are passed over)."""
        iso, rows = day.isoformat(), []
        self.day_rows = {}
        while self._held is not None and self._held[0] <= iso:
            held_day, day_rows = self._held[0], list(self._held[1])  # before the next day
            self._held = next(self._days, None)
            keys = list(map(self._key, day_rows))
            if not all(map(lt, [self._previous or (), *keys], keys)):
                previous, current = next(
                    (a, b) for a, b in zip([self._previous or (), *keys], keys) if not a < b
                )
                raise UnsortedStream("the snapshot", previous, current)
            self._previous = keys[-1]
            if held_day == iso:
                rows, self.day_rows = day_rows, dict(zip(keys, day_rows))
        return rows


def diff_source(
    dataset: Dataset,
    stream: BinaryIO,
    snapshot: Iterable[Row],
    *,
    run_date: date,
    max_count: int = DEFAULT_MAX_COUNT,
) -> tuple[StreamedSource, Iterator[tuple[str, Row]]]:
    """A one-source dataset's file validated as it streams and diffed against the snapshot a
    date at a time: the validation and the rows of each changed row (NEW or REVISED, or
    UNCHANGED when its line differs from the snapshot's but its values do not). A line that
    is byte for byte a snapshot row's is that row, unchanged, and is not parsed: the
    validation counts it in ``known`` (see ``validate_stream``)."""
    spec = next(iter(dataset.sources.values()))
    days = SnapshotDays(dataset, snapshot)
    validated = validate_stream(
        spec.name, stream, run_date=run_date, max_count=max_count, spec=spec, known=days
    )
    width = len(dataset.key)

    def classified() -> Iterator[tuple[str, Row]]:
        for row in rows_of(dataset, validated.rows):
            yield _kind(row, days.day_rows.get(row[:width])), row

    return validated, classified()


def rows_of(dataset: Dataset, rows: Iterable[SourceRow]) -> Iterator[Row]:
    """Validated rows of a dataset's one source as staged rows (the key column holds the key,
    a blank key label its stand-in: see SourceSpec.blank_key)."""
    spec = next(iter(dataset.sources.values()))
    pick = itemgetter(*dataset.columns)
    day, iso = None, ""
    for row in rows:
        if row.date != day:
            day, iso = row.date, row.date.isoformat()
        values = {**row.labels, "date": iso}
        for name, value in row.values.items():
            values[name] = str(value)
        if spec.key_labels:
            values.update(zip(spec.key_labels, spec.key_of(row)))
        yield pick(values)


def read_rows(dataset: Dataset, lines: Iterable[str]) -> Iterator[Row]:
    """The rows of a staged or snapshot CSV, streamed; its header must be the dataset's columns."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is not None and tuple(header) != dataset.columns:
        raise ValueError(f"not a {dataset.name} file: header {header}, expected {dataset.columns}")
    return map(tuple, reader)


def write_rows(dataset: Dataset, rows: Iterable[Row], out: TextIO) -> None:
    """Write the dataset's header, then ``rows`` as they come."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(dataset.columns)
    writer.writerows(rows)
