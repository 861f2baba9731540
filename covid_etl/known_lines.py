"""The snapshot's lines as the source prints them: a cache beside a dataset's snapshot.

One section per date of the snapshot, in date order: the lines its rows would be in the
source file (``sources.line_renderer``: only rows whose line provably parses back to them),
then its other rows as JSON lines (a county name with a comma, a count with a leading zero).
The first lines stamp it: the snapshot's ETag as an opaque string (on S3 the one S3 returns:
a KMS-encrypted or multipart object's ETag is not the MD5 of its bytes, so it is never
recomputed), the source header the lines are rendered for and the count digits the proof
assumed. ``merge_diff.diff_source`` compares a day of today's file with its section in
C (set differences of lines); a stamp that does not match today's snapshot, header or limit
makes it unusable, and the diff reads the snapshot as before.

Layout: b"covid-etl known-lines 1\\n", a JSON line of the stamps, then per date
b"<date> <bytes of its lines> <bytes of its JSON rows>\\n" and those bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import BinaryIO

from covid_etl.datasets import Dataset
from covid_etl.sources import DEFAULT_MAX_COUNT, INT64_MAX, SourceSpec, line_renderer

MAGIC = b"covid-etl known-lines 1\n"
Row = tuple[str, ...]


def source_header(spec: SourceSpec) -> list[str]:
    """The columns of a one-source dataset's file as its publisher orders them (NYT's
    us-counties.csv: date, county, state, fips, cases, deaths)."""
    return [spec.date_column, *spec.labels.values(), *spec.counts.values()]


def etag(data: bytes) -> str:
    """A local file's ETag: the MD5 of its bytes, what S3 gives a single-part object stored
    as plaintext or SSE-S3 (not SSE-KMS, not multipart: there use the ETag S3 returns)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _digits(max_count: int) -> int:
    return len(str(min(max_count, INT64_MAX)))


def _positions(dataset: Dataset, header: list[str]) -> list[int]:
    """Where each of the dataset's columns is in a line of the source header."""
    spec = next(iter(dataset.sources.values()))
    column_of = {
        "date": spec.date_column,
        **spec.labels,
        **spec.counts,
    }
    return [header.index(column_of[name]) for name in dataset.columns]


def write(
    dataset: Dataset,
    snapshot: Iterable[Row],
    out: BinaryIO,
    *,
    stamp: str,
    max_count: int = DEFAULT_MAX_COUNT,
) -> None:
    """Write the known lines of ``snapshot`` (its rows sorted by key, as ``merge_diff.read_rows``
    gives them) stamped with its ETag ``stamp``."""
    spec = next(iter(dataset.sources.values()))
    header = source_header(spec)
    render = (
        line_renderer(spec, header, dataset.columns, max_count, "\n")
        if len(dataset.sources) == 1
        else None
    )
    if render is None:
        raise ValueError(f"dataset {dataset.name}: its rows have no known lines")
    width = len(dataset.key)
    meta = {"snapshot": stamp, "header": ",".join(header), "count_digits": _digits(max_count)}
    out.write(MAGIC + json.dumps(meta).encode() + b"\n")
    for day, rows_of_day in groupby(snapshot, key=itemgetter(0)):
        rows = list(rows_of_day)
        lines = render(rows)
        rendered = set(lines.values())
        others = [row for row in rows if row[1:width] not in rendered]
        text = "".join(lines).encode()
        extra = b"".join(json.dumps(row).encode() + b"\n" for row in others)
        out.write(f"{day} {len(text)} {len(extra)}\n".encode() + text + extra)


@dataclass
class Section:
    """A date's known lines (without their line ends), their size and its other rows."""

    day: bytes
    lines: list[bytes]
    size: int  # bytes, line ends included
    others: list[Row]


class KnownLines:
    """A known-lines file read forward a date at a time."""

    def __init__(self, dataset: Dataset, stream: BinaryIO, header: list[str]):
        self.header_line = (",".join(header) + "\n").encode()
        self._stream = stream
        self._row_of = itemgetter(*_positions(dataset, header))
        spec = next(iter(dataset.sources.values()))
        columns = dataset.columns
        # A key label printed blank holds its stand-in (line_renderer blanks it).
        self._blank_keys = [
            (columns.index(name), itemgetter(*parts))
            for name in spec.key_labels
            if len(parts := [columns.index(part) for part in spec.blank_key.get(name, ())]) > 1
        ]
        self._held: Section | None = None

    @classmethod
    def open(
        cls, dataset: Dataset, stream: BinaryIO, *, stamp: str, max_count: int
    ) -> KnownLines | None:
        """The file, if it was written for the snapshot of ETag ``stamp`` under this count
        limit (else None: missing, stale or another version)."""
        if stream.readline() != MAGIC:
            return None
        try:
            meta = json.loads(stream.readline())
        except ValueError:
            return None
        if meta.get("snapshot") != stamp or meta.get("count_digits") != _digits(max_count):
            return None
        header = str(meta.get("header", "")).split(",")
        if header != source_header(next(iter(dataset.sources.values()))):
            return None
        return cls(dataset, stream, header)

    def _read(self) -> Section | None:
        head = self._stream.readline()
        if not head:
            return None
        day, text_bytes, extra_bytes = head.split()
        lines = self._stream.read(int(text_bytes)).split(b"\n")
        lines.pop()  # after the last line end
        extra = self._stream.read(int(extra_bytes)).splitlines()
        return Section(day, lines, int(text_bytes), [tuple(json.loads(row)) for row in extra])

    def section(self, day: bytes) -> Section | None:
        """The section of ``day`` (earlier ones are passed over), None if it has none; it stays
        held for ``rows``."""
        while self._held is None or self._held.day < day:
            self._held = self._read()
            if self._held is None:
                return None
        return self._held if self._held.day == day else None

    def row_of(self, line: bytes) -> Row:
        """The snapshot row of one of its known lines (they hold no quote: split on commas)."""
        row = self._row_of(line.decode().split(","))
        for at, parts in self._blank_keys:
            if not row[at]:
                row = (*row[:at], "/".join(parts(row)), *row[at + 1 :])
        return row

    def rows(self) -> Iterator[Row]:
        """The snapshot's rows from the section held on, sorted by key."""
        while True:
            section, self._held = self._held or self._read(), None
            if section is None:
                return
            rows = [*map(self.row_of, section.lines), *section.others]
            yield from sorted(rows)
