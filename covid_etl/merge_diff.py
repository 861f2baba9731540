"""The diff against the snapshot as a merge of two streams sorted by key.

Today's rows and the snapshot are both sorted by the dataset's key (validate() sorts its rows;
the snapshot is written sorted), so one pass side by side classifies every row as new, revised
or unchanged holding one row of each stream at a time: memory does not grow with the rows.
``merge`` takes any rows and a key function (the national series' DailyRecords by date);
``diff`` takes rows as tuples of text in a dataset's ``columns`` order, its key first.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import groupby
from operator import itemgetter, lt
from typing import Any, BinaryIO, TextIO, TypeVar

from covid_etl.datasets import Dataset
from covid_etl.known_lines import KnownLines
from covid_etl.sources import (
    DEFAULT_MAX_COUNT,
    Resume,
    SourceRow,
    SourceUnusable,
    StreamedSource,
    validate,
    validate_stream,
)

NEW, REVISED, UNCHANGED = "new", "revised", "unchanged"

# Bytes of the source read at a time on the known days' path (a day of counties is ~150 KB).
CHUNK_BYTES = 1 << 22
# A day's lines are looked for this far past the size of its known lines.
DAY_SLACK_BYTES = 1 << 16
_DAY_START = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2},")

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
    known_lines: BinaryIO | None = None,
    snapshot_stamp: str = "",
) -> tuple[StreamedSource, Iterator[tuple[str, Row]]]:
    """A one-source dataset's file validated as it streams and diffed against the snapshot a
    date at a time: the validation and the rows of each changed row (NEW or REVISED, or
    UNCHANGED when its line differs from the snapshot's but its values do not). A line that
    is byte for byte a snapshot row's is that row, unchanged, and is not parsed: the
    validation counts it in ``known`` (see ``validate_stream``).

    ``known_lines`` (covid_etl.known_lines) written for the snapshot whose ETag is
    ``snapshot_stamp`` stands in for ``snapshot``, and a date whose lines are all beyond doubt
    is diffed in C (``_KnownDays``); the same validation, rows and rejects either way."""
    spec = next(iter(dataset.sources.values()))
    known = (
        KnownLines.open(dataset, known_lines, stamp=snapshot_stamp, max_count=max_count)
        if known_lines is not None
        else None
    )
    if known is not None:
        return _KnownDays(dataset, known, run_date, max_count).diff(stream)
    days = SnapshotDays(dataset, snapshot)
    validated = validate_stream(
        spec.name, stream, run_date=run_date, max_count=max_count, spec=spec, known=days
    )
    return validated, _classified(dataset, validated, days)


def _classified(
    dataset: Dataset, validated: StreamedSource, days: SnapshotDays
) -> Iterator[tuple[str, Row]]:
    width = len(dataset.key)
    for row in rows_of(dataset, validated.rows):
        yield _kind(row, days.day_rows.get(row[:width])), row


class _Doubtful(Exception):
    """A date the known days' path cannot vouch for: it and the rest go the parsing way."""


class _Rest:
    """The bytes held, then the rest of a stream (what ``validate_stream`` reads on)."""

    def __init__(self, held: bytes, stream: BinaryIO):
        self._held, self._stream = held, stream

    def read(self, size: int = -1) -> bytes:
        if self._held:
            held, self._held = self._held, b""
            return held
        return self._stream.read(size)


class _KnownDays:
    """The diff of a file against a snapshot's known lines, a date at a time while each date
    is beyond doubt, then the parsing way (``validate_stream`` resumed) for the rest.

    A date is beyond doubt when its lines are contiguous, each starts with it, none repeats,
    the snapshot has the date, and the line after them is of a later date (so the dates are
    in order up to there). Then, with C set operations, ``changed`` = today's lines - the
    known ones and ``gone`` = known - today's. Only ``changed`` and the date's first line
    (which the parsing way parses too: the rows are the same) are parsed, by
    ``sources.validate``, each to one valid row (a date after the run date is rejected there;
    a quote or a carriage return, which no known line holds, is in a changed line, and a
    record across lines gives fewer rows than lines); each key must be a gone line's or a
    row's without a known line: REVISED, or UNCHANGED if its values are equal. Anything else
    (a reject, a duplicate, a NEW row) is doubtful, and from that date on the file is read
    the parsing way, so reject reasons and line numbers are the same.
    """

    def __init__(self, dataset: Dataset, known: KnownLines, run_date: date, max_count: int):
        self.dataset, self.known = dataset, known
        self.spec = next(iter(dataset.sources.values()))
        self.run_date, self.max_count = run_date, max_count
        self.width = len(dataset.key)
        self.result = StreamedSource(self.spec.name, iter(()))
        self.lines = 0  # lines read (the header's included)
        self.offset = 0  # the file's offset of ``buffer``'s first byte
        self.buffer = b""
        self.at = 0
        self.ended = False

    def diff(self, stream: BinaryIO) -> tuple[StreamedSource, Iterator[tuple[str, Row]]]:
        return self.result, self._classified(stream)

    def _fill(self, stream: BinaryIO, wanted: int) -> None:
        """At least ``wanted`` bytes after ``at`` held, unless the stream ends first."""
        while not self.ended and len(self.buffer) - self.at < wanted:
            more = stream.read(CHUNK_BYTES)
            self.ended = not more
            self.offset += self.at
            self.buffer, self.at = self.buffer[self.at :] + more, 0

    def _classified(self, stream: BinaryIO) -> Iterator[tuple[str, Row]]:
        header = self.known.header_line
        self._fill(stream, CHUNK_BYTES)
        after: bytes | None = None
        if self.buffer.startswith(header):
            self.at, self.lines = len(header), 1
            try:
                while True:
                    self._fill(stream, CHUNK_BYTES // 2)
                    if self.at == len(self.buffer):
                        break
                    after = yield from self._day(stream)
            except _Doubtful:
                pass
        yield from self._rest(stream, header, after)

    def _day(self, stream: BinaryIO) -> Iterator[tuple[str, Row]]:
        """Diff the date at ``at`` and go past it; the date (the line after it is of a later
        date: the order of dates holds up to there)."""
        start = self.buffer[self.at : self.at + 11]
        day = start[:10]
        if not _DAY_START.fullmatch(start):
            raise _Doubtful
        section = self.known.section(day)
        if section is None:  # a new date
            raise _Doubtful
        size = section.size + DAY_SLACK_BYTES
        self._fill(stream, size + DAY_SLACK_BYTES)  # and the line after the date's
        buffer, at = self.buffer, self.at
        window = at + size
        last = buffer.rfind(b"\n" + start, at, window)
        end = buffer.find(b"\n", max(at, last + 1)) + 1
        following = buffer[end : end + 11]
        if not end or not (
            _DAY_START.fullmatch(following) and following > start
            if following
            else self.ended and end == len(buffer)
        ):
            raise _Doubtful  # the date goes on past the window, or the next line is odd
        block = buffer[at:end]
        lines = block.split(b"\n")
        lines.pop()  # after the last line end
        count = len(lines)
        if block.count(b"\n" + start) != count - 1:
            raise _Doubtful
        today = set(lines)
        if len(today) != count:
            raise _Doubtful
        stored = set(section.lines)
        changed = today - stored
        gone = stored - today
        parsed = sorted(changed) if lines[0] in changed else [lines[0], *sorted(changed)]
        rows = self._parse(parsed)
        first = None if lines[0] in changed else self.known.row_of(lines[0])
        known_rows = {row[: self.width]: row for row in map(self.known.row_of, gone)}
        known_rows.update((row[: self.width], row) for row in section.others)
        classified = []
        for row in rows:
            if row == first:
                classified.append((UNCHANGED, row))
                continue
            was = known_rows.get(row[: self.width])
            if was is None:  # NEW, or a duplicate of a line known and unchanged
                raise _Doubtful
            classified.append((_kind(row, was), row))
        self.result.valid += count
        self.result.known += count - len(parsed)
        self.lines += count
        self.at = end
        yield from classified
        return day

    def _parse(self, lines: list[bytes]) -> list[Row]:
        """The rows of a few lines of the date, sorted by key: all valid and apart, or doubtful."""
        data = self.known.header_line + b"\n".join(lines) + b"\n"
        try:
            validated = validate(
                self.spec.name,
                data,
                run_date=self.run_date,
                max_count=self.max_count,
                spec=self.spec,
            )
        except SourceUnusable:
            raise _Doubtful from None
        if validated.rejects or validated.out_of_scope or len(validated.rows) != len(lines):
            raise _Doubtful
        return list(rows_of(self.dataset, validated.rows))

    def _rest(
        self, stream: BinaryIO, header: bytes, after: bytes | None
    ) -> Iterator[tuple[str, Row]]:
        """The file from ``at`` on, the parsing way (the whole file if its header is not the
        known lines' own), against the known lines' rows from there."""
        rest = self.buffer[self.at :]
        resume = Resume(self.result, lines_before=0, shift=0, after=None)
        if self.lines:  # the header was read: given again, numbers and offsets shifted
            rest, resume = (
                header + rest,
                Resume(
                    into=self.result,
                    lines_before=self.lines - 1,
                    shift=self.offset + self.at - len(header),
                    after=date.fromisoformat(after.decode()) if after else None,
                ),
            )
        days = SnapshotDays(self.dataset, self.known.rows())
        validated = validate_stream(
            self.spec.name,
            _Rest(rest, stream),  # type: ignore[arg-type]  # read() is all it calls
            run_date=self.run_date,
            max_count=self.max_count,
            spec=self.spec,
            known=days,
            resume=resume,
        )
        yield from _classified(self.dataset, validated, days)


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
