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
from typing import Any, TextIO, TypeVar

from covid_etl.datasets import Dataset
from covid_etl.sources import SourceRow

NEW, REVISED, UNCHANGED = "new", "revised", "unchanged"

Row = tuple[str, ...]
T = TypeVar("T")


class UnsortedStream(Exception):
    """A stream is not strictly increasing by key: a merge of it would misclassify rows."""

    def __init__(self, stream: str, previous: object, key: object):
        super().__init__(f"{stream} is not sorted by key: {key} follows {previous}")


def _checked(rows: Iterable[T], key: Callable[[T], Any], stream: str) -> Iterator[T]:
    previous = None
    for row in rows:
        current = key(row)
        if previous is not None and current <= previous:
            raise UnsortedStream(stream, previous, current)
        previous = current
        yield row


def merge(
    staged: Iterable[T], snapshot: Iterable[T], key: Callable[[T], Any]
) -> Iterator[tuple[T | None, T | None]]:
    """Both streams side by side, in key order: (today's row, the snapshot's row) of each key,
    None on the side that has none."""
    known = _checked(snapshot, key, "the snapshot")
    held = next(known, None)
    for row in _checked(staged, key, "today's rows"):
        while held is not None and key(held) < key(row):
            yield None, held
            held = next(known, None)
        if held is not None and key(held) == key(row):
            yield row, held
            held = next(known, None)
        else:
            yield row, None
    while held is not None:
        yield None, held
        held = next(known, None)


def diff(
    dataset: Dataset, staged: Iterable[Row], snapshot: Iterable[Row]
) -> Iterator[tuple[str, Row]]:
    """Each staged row with its kind (NEW, REVISED, UNCHANGED), in key order."""
    width = len(dataset.key)
    for row, known in merge(staged, snapshot, key=lambda r: r[:width]):
        if row is not None:
            yield (NEW if known is None else UNCHANGED if known == row else REVISED), row


def rows_of(dataset: Dataset, rows: Iterable[SourceRow]) -> Iterator[Row]:
    """Validated rows of a dataset's one source as staged rows (the key column holds the key,
    a blank key label its stand-in: see SourceSpec.blank_key)."""
    spec = next(iter(dataset.sources.values()))
    for row in rows:
        values = {
            "date": row.date.isoformat(),
            **row.labels,
            **{k: str(v) for k, v in row.values.items()},
        }
        values.update(zip(spec.key_labels, spec.key_of(row)))
        yield tuple(values[name] for name in dataset.columns)


def read_rows(dataset: Dataset, lines: Iterable[str]) -> Iterator[Row]:
    """The rows of a staged or snapshot CSV, streamed; its header must be the dataset's columns."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is not None and tuple(header) != dataset.columns:
        raise ValueError(f"not a {dataset.name} file: header {header}, expected {dataset.columns}")
    return (tuple(row) for row in reader)


def write_rows(dataset: Dataset, rows: Iterable[Row], out: TextIO) -> None:
    """Write the dataset's header, then ``rows`` as they come."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(dataset.columns)
    writer.writerows(rows)
