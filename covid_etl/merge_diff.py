"""The diff against the snapshot as a merge of two streams sorted by key.

Today's rows and the snapshot are both sorted by the dataset's key (validate() sorts its rows;
the snapshot is written sorted), so one pass side by side classifies every row as new, revised
or unchanged holding one row of each stream at a time: memory does not grow with the rows.
A row is a tuple of text in the dataset's ``columns`` order, its key first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from covid_etl.datasets import Dataset
from covid_etl.sources import SourceRow

NEW, REVISED, UNCHANGED = "new", "revised", "unchanged"

Row = tuple[str, ...]


class UnsortedStream(Exception):
    """A stream is not strictly increasing by key: a merge of it would misclassify rows."""

    def __init__(self, stream: str, previous: Row, key: Row):
        super().__init__(f"{stream} is not sorted by key: {key} follows {previous}")


def _checked(rows: Iterable[Row], width: int, stream: str) -> Iterator[Row]:
    previous: Row | None = None
    for row in rows:
        key = row[:width]
        if previous is not None and key <= previous:
            raise UnsortedStream(stream, previous, key)
        previous = key
        yield row


def diff(
    dataset: Dataset, staged: Iterable[Row], snapshot: Iterable[Row]
) -> Iterator[tuple[str, Row]]:
    """Each staged row with its kind (NEW, REVISED, UNCHANGED), in key order."""
    width = len(dataset.key)
    known = _checked(snapshot, width, "the snapshot")
    held = next(known, None)
    for row in _checked(staged, width, "today's rows"):
        key = row[:width]
        while held is not None and held[:width] < key:
            held = next(known, None)
        if held is None or held[:width] != key:
            yield NEW, row
        else:
            yield (UNCHANGED if held == row else REVISED), row


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
