"""Parse and validate the two sources, by header name, quarantining bad rows with a reason.

Pure functions over bytes: nothing here knows about S3 or HTTP.

- The file is read as CSV records in one streaming pass: a quoted field may hold commas and
  newlines; a record's line number is the line it starts on.
- A row that cannot be used becomes a ``Reject`` (line number, original record, reason).
- A row's key is its date plus the spec's key labels (none for the national series, the FIPS
  code for counties). Rows that disagree about one key quarantine it (all of them rejected: none
  can be trusted); an identical repeat is collapsed into the first (rejected with a note).
- Counts are bounded: 0..``max_count`` (at most int64, what DynamoDB readers and Parquet hold).
- A source that is unusable as a whole raises ``SourceUnusable`` naming the source and the problem.
- Decreasing cumulative values are real revisions upstream, not errors.
- Every value quoted in a reason or an error is shortened (``shorten``): reasons travel in the
  state payload (256 KB on Step Functions); the full record stays in the rejects file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from bisect import bisect_left
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, compress, count, repeat
from operator import add, itemgetter, not_
from typing import BinaryIO, Protocol

NYT = "nyt"
JHU = "jhu"
SOURCES = (NYT, JHU)

INT64_MAX = 2**63 - 1
# A plausible cumulative US count: a billion is three times the population. Settings.max_count.
DEFAULT_MAX_COUNT = 1_000_000_000
# Both sources have under a dozen columns; a header far wider is not one of them.
MAX_COLUMNS = 1_000
# Characters of an input value quoted in a reason or an error.
QUOTED_CHARACTERS = 60


@dataclass(frozen=True)
class SourceSpec:
    name: str
    title: str
    date_column: str
    # output field -> CSV column holding a non-negative integer count
    counts: dict[str, str]
    # CSV column -> required value for a row to be in scope (others are counted, not checked)
    scope: dict[str, str] = field(default_factory=dict)
    # output field -> CSV column kept as text, trimmed (a county's name, state, FIPS code)
    labels: dict[str, str] = field(default_factory=dict)
    # labels that, after the date, identify a row; empty: one row per day
    key_labels: tuple[str, ...] = ()
    # key label -> labels joined with "/" that key a row whose key label is blank (NYT's
    # "Unknown" counties and New York City have no FIPS code: "New York/New York City")
    blank_key: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return (self.date_column, *self.counts.values(), *self.scope, *self.labels.values())

    def key_of(self, row: SourceRow) -> tuple[str, ...]:
        """The row's key after its date: each key label, or its blank_key stand-in."""
        labels = row.labels
        return tuple(
            [
                labels[name] or "/".join([labels[part] for part in self.blank_key[name]])
                for name in self.key_labels
            ]
        )

    def describe_key(self, day: date, key: tuple[str, ...]) -> str:
        return ", ".join([str(day), *(f"{n} {v}" for n, v in zip(self.key_labels, key))])


SPECS: dict[str, SourceSpec] = {
    NYT: SourceSpec(
        name=NYT,
        title="NYT us.csv",
        date_column="date",
        counts={"cases": "cases", "deaths": "deaths"},
    ),
    JHU: SourceSpec(
        name=JHU,
        title="JHU time-series-19-covid-combined.csv",
        date_column="Date",
        counts={"recovered": "Recovered"},
        # The US national series: Country/Region "US" with no province.
        scope={"Country/Region": "US", "Province/State": ""},
    ),
}


class SourceUnusable(Exception):
    """A source cannot be used at all; the run must fail and the table stay as it was."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"source {source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True)
class Reject:
    line_number: int
    line: str
    reason: str


@dataclass(frozen=True, slots=True)
class SourceRow:
    date: date
    values: dict[str, int]
    labels: dict[str, str] = field(default_factory=dict)


# A row's identity: its date and the values of its spec's key labels.
RowKey = tuple[date, tuple[str, ...]]


@dataclass
class ValidatedSource:
    source: str
    rows: list[SourceRow]
    rejects: list[Reject]
    out_of_scope: int = 0

    @property
    def extracted(self) -> int:
        """In-scope rows read: each is either a valid row or a reject."""
        return len(self.rows) + len(self.rejects)


class KnownRows(Protocol):
    """Rows already loaded (the snapshot), offered a day at a time to ``validate_stream``."""

    # The output name of each value of a row: ``date``, the counts and the labels (as text; a
    # key label holds the key, its blank key's stand-in included); other columns are ignored.
    columns: tuple[str, ...]

    def rows_of_day(self, day: date) -> list[tuple[str, ...]]:
        """The rows dated ``day``."""
        ...


@dataclass
class StreamedSource:
    """A source validated one date at a time (``validate_stream``): ``rows`` is read lazily;
    ``rejects``, ``valid`` and ``out_of_scope`` are complete once ``rows`` is exhausted."""

    source: str
    rows: Iterator[SourceRow]
    rejects: list[Reject] = field(default_factory=list)
    valid: int = 0
    out_of_scope: int = 0
    known: int = 0  # valid rows that are lines of ``KnownRows``: not parsed, not in ``rows``

    @property
    def extracted(self) -> int:
        return self.valid + len(self.rejects)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_ASCII = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNT = re.compile(r"^\d+$")
_HTML = re.compile(rb"^\s*<(!doctype|html|head|body|\?xml)", re.IGNORECASE)
_LINE_END = re.compile(r"(\r\n|\r|\n)\Z")
# What a plain line (values without a comma, a quote, a line break or surrounding spaces)
# cannot hold, in ASCII: other line breaks and whitespace, a space next to a comma or a break.
_NOT_IN_PLAIN_LINES = (
    '"',
    "\r",
    "\t",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    " ,",
    ", ",
    " \n",
    "\n ",
)
_BOM = b"\xef\xbb\xbf"
# Bytes decoded at a time: the text in memory is one block and the line it ends in.
BLOCK_BYTES = 1 << 20
# Lines looked at at once for the ones that need no parsing (at most: a block's lines).
WINDOW_LINES = 4_096
# Text that goes to the line path at once where lines that are not skipped come together
# (JHU's quoted country names, a day's US rows): the skip is tried again after it.
CLUSTER_CHARS = 4_096
# Distinct date strings remembered as parsed (a file holds a few thousand days).
CACHED_DATES = 10_000


def shorten(text: str, limit: int = QUOTED_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def rejects_csv(rejects: list[Reject]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line_number", "reason", "line"])
    for r in rejects:
        writer.writerow([r.line_number, spreadsheet_safe(r.reason), spreadsheet_safe(r.line)])
    return out.getvalue().encode()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice):
    rejects files are opened by people, and their rows come from the internet."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def text_blocks(source: str, stream: BinaryIO, shift: int = 0) -> Iterator[str]:
    """The text of a UTF-8 byte stream (a BOM is fine), a block of whole lines at a time (line
    ends \\n, \\r\\n or \\r; the last block may end mid-line); HTML pages and binary are
    refused (at the file's offset: the stream's plus ``shift``)."""
    block = stream.read(BLOCK_BYTES)
    if _HTML.match(block[:512]):
        raise SourceUnusable(source, "got an HTML page instead of CSV (an upstream error page?)")
    bom = len(_BOM) if block.startswith(_BOM) else 0
    block = block[bom:]
    offset = shift + bom
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""
    while True:
        pending = decoder.getstate()[0]
        try:
            text = carry + decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            at = offset - len(pending) + exc.start
            byte = (pending + block)[exc.start]
            raise SourceUnusable(source, f"not UTF-8: byte 0x{byte:02x} at offset {at}") from None
        offset += len(block)
        # A last line without \n may go on in the next block (a \r may be half of a \r\n).
        cut = len(text) if not block or text.endswith("\n") else _last_line_start(text)
        text, carry = text[:cut], text[cut:]
        yield text
        if not block:
            return
        block = stream.read(BLOCK_BYTES)


def _last_line_start(text: str) -> int:
    """Where the last line of ``text`` starts (a \\r at its very end ends that line)."""
    before = text.removesuffix("\r")
    return max(before.rfind("\n"), before.rfind("\r")) + 1


def _lines(text: str) -> list[str]:
    """The lines of ``text``, line ends kept (a list: iterating one is cheaper than a
    generator of lines)."""
    return io.StringIO(text, newline="").readlines()


# A CSV record: the line it starts on, its text as in the file (line ends kept), its fields
# (None: malformed CSV) and the csv module's error. A tuple: there is one per row.
Record = tuple[int, str, list[str] | None, str | None]


class CsvRecords:
    """The CSV records of blocks of lines, one strict ``csv.reader`` pass over them.

    A stray quote swallows the lines after it (up to the next quote, or the end of the file);
    instead, a malformed record spanning lines is reported on its first line and the rest is
    read again one line per record, so one stray quote costs one row (and n stray quotes cost
    n rows, not n passes over the file).

    Two kinds of lines that would start a record are not parsed (their line numbers count):
    - after ``skip_unparsed(text, width)``, a line that provably is a record of ``width``
      fields none of which holds ``text`` is skipped (``skipped`` counts them): it has no quote
      (so its fields are its text split on commas), ``width - 1`` commas, and not ``text``;
    - after ``take_known(lines, take)``, lines of ``lines`` go to ``take`` as (number, line)
      pairs instead: the reader knows what they hold.

    Lines passed over are found a block at a time in C (``_passed_over``): the Python loop
    runs over the lines that go to the csv reader only. Lines to skip are found on the text
    of a block before it is split into lines (``_plain_run``), when no lines are known: a run
    of them costs a few C passes over its characters, nothing per line.
    """

    def __init__(self, blocks: Iterable[str], lines_before: int = 0):
        self._blocks = blocks
        self._lines_before = lines_before  # numbers count from the line after these
        self._skip_without = ""
        self._commas = 0
        self._known: Container[str] = frozenset()
        self._take: Callable[[Iterable[tuple[int, str]]], None] = _ignore
        self.skipped = 0  # lines skipped, all told
        self.ends_with_record = True  # the last line read ended the last record yielded

    def skip_unparsed(self, text: str, width: int) -> None:
        self._skip_without, self._commas = text, width - 1

    def take_known(
        self, lines: Container[str], take: Callable[[Iterable[tuple[int, str]]], None]
    ) -> None:
        self._known, self._take = lines, take

    @staticmethod
    def _take_hits(
        take: Callable[[Iterable[tuple[int, str]]], None],
        hit: list[bool] | None,
        lines: list[str],
        base: int,
        first: int,
        end: int,
    ) -> int:
        """Give ``take`` the known lines among lines[first:end]; how many there were."""
        if hit is None:
            return 0
        found = hit[first:end].count(True)
        if found:
            take(compress(zip(count(base + first + 1), lines[first:end]), hit[first:end]))
        return found

    def __iter__(self) -> Iterator[Record]:
        consumed: list[str] = []
        skipped = 0
        number = self._lines_before  # lines read
        start = number  # the line the record being read starts on
        end = number  # the line the last record yielded ends on

        def chunks() -> Iterator[list[str]]:
            """The lines of each block, a run of lines to skip taken out (counted) before a
            record start; at most one line at a time inside a record or before the header,
            as what to skip can change after each record."""
            nonlocal skipped, number
            for text in self._blocks:
                at, size = 0, len(text)
                # A line ends at \n and nowhere else (\r\n is fine, a lone \r is not).
                plain = text.count("\r") == text.count("\r\n")
                finds = _Finds(text)
                while at < size:
                    absent = self._skip_without
                    if plain and absent and not consumed and not self._known:
                        stop = min(finds.next(absent, at), finds.next('"', at))
                        at, run = _plain_run(text, at, stop, self._commas)
                        number, skipped = number + run, skipped + run
                        # The line after goes to the reader; so do the lines in the next
                        # CLUSTER_CHARS when it comes right away (a cluster of lines to keep).
                        upto = text.find("\n", at if run else at + CLUSTER_CHARS) + 1 or size
                    elif plain and (consumed or not end):
                        upto = text.find("\n", at) + 1 or size
                    else:
                        upto = size
                    if at < size:
                        yield _lines(text[at:upto])
                    at = upto

        def feed() -> Iterator[str]:
            nonlocal skipped, number, start
            for block in chunks():
                at, size = 0, len(block)
                quotes = list(compress(count(), map(str.__contains__, block, repeat('"'))))
                while at < size:
                    if consumed:  # inside a record: its next line goes to the reader as it is
                        number, at = number + 1, at + 1
                        consumed.append(block[at - 1])
                        yield block[at - 1]
                        continue
                    # At a record start: which lines of the rest of the block go to the reader
                    # (found in C; a line with a quote always does, and the search starts again
                    # after it, or when what to pass over changes).
                    known, absent, take = self._known, self._skip_without, self._take
                    commas = self._commas
                    # Up to the next line with a quote (a record may go on past it), at most
                    # a window of lines (found again when what to pass over changes).
                    upto = min(size, at + WINDOW_LINES)
                    after = bisect_left(quotes, at)
                    if after < len(quotes) and quotes[after] < upto:
                        upto = quotes[after] + 1
                    rest = block[at:upto]
                    hit, kept = _passed_over(rest, known)
                    base, last = number, 0
                    for k in kept:
                        line = rest[k]
                        if (
                            absent
                            and absent not in line
                            and '"' not in line
                            and line.count(",") == commas
                        ):
                            continue  # skipped: counted with the lines passed over
                        skipped += k - last - self._take_hits(take, hit, rest, base, last, k)
                        number = start = base + k + 1
                        consumed.append(line)
                        yield line
                        last = k + 1
                        if consumed or known is not self._known or absent != self._skip_without:
                            break
                    else:
                        end = len(rest)
                        skipped += end - last - self._take_hits(take, hit, rest, base, last, end)
                        number, last = base + end, end
                    at += last

        def read_again(lines: list[str], first: int) -> Iterator[str]:
            nonlocal start
            for start, line in enumerate(lines, first):
                consumed.append(line)
                yield line

        lines = feed()
        reader: Iterator[list[str]] = csv.reader(lines, strict=True)
        while True:
            try:
                fields: list[str] | None = next(reader)
                error = None
            except StopIteration:
                self.skipped += skipped
                self.ends_with_record = end == number
                return
            except csv.Error as exc:
                fields, error = None, str(exc)
                if len(consumed) > 1:
                    # Once: a reader of one line per record never reads a line ahead.
                    again = read_again(consumed[1:], start + 1)
                    reader = _OneLinePerRecord(chain(again, lines))
                    del consumed[1:]
            self.skipped += skipped
            skipped = 0
            if consumed:
                text = consumed[0] if len(consumed) == 1 else "".join(consumed)
                end = start + len(consumed) - 1
                yield start, text, fields, error
                consumed.clear()


def _ignore(_lines: Iterable[tuple[int, str]]) -> None:
    return None


# Every byte but a comma and a line feed: deleted, a plain line of n commas is n commas and \n.
_NOT_COMMA_OR_LINE_FEED = bytes(sorted(set(range(256)) - set(b",\n")))


class _Finds:
    """Where text next occurs in a block: each found once, not once per line start."""

    def __init__(self, text: str):
        self._text = text
        self._found: dict[str, int] = {}

    def next(self, needle: str, at: int) -> int:
        """The first ``needle`` at or after ``at`` (the text's length if none)."""
        found = self._found.get(needle, -1)
        if found < at:
            found = self._text.find(needle, at)
            found = self._found[needle] = len(self._text) if found < 0 else found
        return found


def _plain_run(text: str, at: int, stop: int, commas: int) -> tuple[int, int]:
    """From ``at`` (a line start, lines ending at \\n or \\r\\n) to the line holding ``stop`` (the
    next quote or text to keep), the end of the run of whole lines that provably are records
    of ``commas`` + 1 fields (no quote, ``commas`` commas: what ``CsvRecords`` skips), and how
    many lines it holds. C passes over the text: a find, a count, a translation, a comparison."""
    end = text.rfind("\n", at, stop) + 1 or at
    run = text[at:end]
    lines = run.count("\n")
    shape = ("," * commas + "\n").encode()
    got, want = run.encode().translate(None, _NOT_COMMA_OR_LINE_FEED), shape * lines
    if got == want:
        return end, lines
    shaped = _common_prefix(got, want) // len(shape)  # the lines before the first misshapen one
    return at + len(run) - len(run.split("\n", shaped)[-1]), shaped


def _common_prefix(a: bytes, b: bytes) -> int:
    """How many leading bytes ``a`` and ``b`` share (a bisection of slice comparisons)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _passed_over(lines: list[str], known: Container[str]) -> tuple[list[bool] | None, list[int]]:
    """Of lines at a record start, none with a quote but perhaps the last: which are known
    (None: no known lines), and the indexes of the others (the last if it has a quote)."""
    if not known:
        return None, list(range(len(lines)))
    hit = list(map(known.__contains__, lines))
    kept = list(compress(count(), map(not_, hit)))
    if lines and '"' in lines[-1] and (not kept or kept[-1] != len(lines) - 1):
        kept.append(len(lines) - 1)
    return hit, kept


class _OneLinePerRecord:
    """A csv.reader that never lets a quoted field run past its line."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines

    def __iter__(self) -> _OneLinePerRecord:
        return self

    def __next__(self) -> list[str]:
        return next(csv.reader([next(self._lines)], strict=True))


def validate(
    source: str,
    data: bytes,
    *,
    run_date: date,
    max_count: int = DEFAULT_MAX_COUNT,
    spec: SourceSpec | None = None,
) -> ValidatedSource:
    """Parse a source file, in any order; rows dated after ``run_date`` are rejected as future
    dates. Memory holds every valid row (the national series: a row a day).

    ``spec`` defaults to the national series' spec of ``source`` (a dataset passes its own).
    """
    streamed = StreamedSource(source, iter(()))
    rows = list(
        _validated(streamed, io.BytesIO(data), spec or SPECS[source], run_date, max_count, False)
    )
    return ValidatedSource(source, rows, streamed.rejects, streamed.out_of_scope)


def validate_stream(
    source: str,
    stream: BinaryIO,
    *,
    run_date: date,
    max_count: int = DEFAULT_MAX_COUNT,
    spec: SourceSpec | None = None,
    known: KnownRows | None = None,
    resume: Resume | None = None,
) -> StreamedSource:
    """``validate`` for a file sorted by date (as NYT publishes them), one date at a time: the
    rows come out sorted by key as ``stream`` is read, and memory holds one date's rows, not
    the file's. A valid row dated before the date being read makes the source unusable (its
    duplicates could no longer be found): the run fails, nothing of it is loaded.

    With ``known``, a line byte for byte the one a known row of its date would be in this
    file (same columns, values as they are: ``line_renderer``) is that row: it is not
    parsed, counts as valid and ``known``, and is not in ``rows``. The first row of a date is
    always parsed: it says which date's known rows to expect.

    With ``resume``, ``stream`` is the file's header line then the rest of a file whose
    earlier dates were read another way (merge_diff's known days): line numbers, offsets and
    the date order go on from there, and the counts add to ``resume.into``.
    """
    spec = spec or SPECS[source]
    streamed = resume.into if resume else StreamedSource(source, iter(()))
    streamed.rows = _validated(streamed, stream, spec, run_date, max_count, True, known, resume)
    return streamed


@dataclass(frozen=True)
class Resume:
    """Where a stream of the file's header line and then the rest of the file resumes it."""

    into: StreamedSource  # the counts and rejects of the lines before
    lines_before: int  # the file's lines before the rest, less the header line given again
    shift: int  # the rest's offset in the file less its offset in the stream
    after: date | None  # the last date before the rest: an earlier valid row is out of order


def _validated(
    result: StreamedSource,
    stream: BinaryIO,
    spec: SourceSpec,
    run_date: date,
    max_count: int,
    by_date: bool,
    known: KnownRows | None = None,
    resume: Resume | None = None,
) -> Iterator[SourceRow]:
    """The rules of a source, rows sorted by key: of the whole file, or (``by_date``) of each
    date as it ends; rejects and counts go to ``result``."""
    source = result.source
    records = CsvRecords(
        text_blocks(source, stream, resume.shift if resume else 0),
        resume.lines_before if resume else 0,
    )
    read = iter(records)
    first = next((r for r in read if r[1].strip()), None)
    if first is None:
        raise SourceUnusable(source, "the file is empty")
    header = _header(spec, first)
    width = len(header)
    column = {name: header.index(name) for name in spec.required_columns}
    parse = _row_parser(spec, column, run_date, max_count)
    scope = [(column[name], value) for name, value in spec.scope.items()]
    # JHU's other countries (nine rows in ten) are skipped unparsed: lines without "US".
    records.skip_unparsed(max(spec.scope.values(), key=len, default=""), width)
    ends = _LINE_END.search(first[1])
    line_end = ends.group() if ends else ""
    known_lines = (
        line_renderer(spec, header, known.columns, max_count, line_end)
        if known is not None
        else None
    )
    known_day: date | None = None
    # The last record, while it may be the end of a truncated file: (line, text, fields).
    last: tuple[int, str, list[str] | None] | None = None
    group = _Group(spec, lambda text: parse(next(csv.reader([text]))))
    group.day = resume.after if resume else None
    for number, text, fields, error in read:
        last = (number, text, fields)
        if fields is None:
            result.rejects.append(_reject(number, text, f"malformed CSV: {error}"))
            continue
        if len(fields) != width:
            if text.strip():
                result.rejects.append(
                    _reject(number, text, f"wrong field count: expected {width}, got {len(fields)}")
                )
            else:
                last = None
            continue
        if scope and any(fields[i].strip() != value for i, value in scope):
            result.out_of_scope += 1
            continue
        row = parse(fields)
        if type(row) is str:
            result.rejects.append(_reject(number, text, row))
            continue
        if by_date and group.day is not None and row.date != group.day:
            if row.date < group.day:
                raise SourceUnusable(
                    source,
                    f"not sorted by date: line {number} ({row.date}) comes after "
                    f"{group.day}; a streamed source must be sorted by date",
                )
            yield from group.settle(result)
        group.add(number, text, row)
        if known_lines is not None and known is not None and row.date != known_day:
            known_day, group.known_keys = row.date, known_lines(known.rows_of_day(row.date))
            records.take_known(group.known_keys, group.known_hits.extend)
    result.out_of_scope += records.skipped
    _refuse_truncated(source, width, last if records.ends_with_record else None)
    yield from group.settle(result)
    _refuse_empty(spec, result)
    result.rejects.sort(key=lambda r: r.line_number)


def _header(spec: SourceSpec, record: Record) -> list[str]:
    """The header's column names; a header that is not one of this source's is unusable."""
    number, text, fields, error = record
    if fields is None:
        raise SourceUnusable(spec.name, f"unreadable header (line {number}): {error}")
    if len(fields) > MAX_COLUMNS:
        raise SourceUnusable(
            spec.name,
            f"the header has {len(fields):,} columns (at most {MAX_COLUMNS:,} expected): "
            f"not a {spec.title} file",
        )
    header = [name.strip() for name in fields]
    missing = [name for name in spec.required_columns if name not in header]
    if missing:
        raise SourceUnusable(
            spec.name,
            f"missing required column(s) {', '.join(missing)} "
            f"(header: {shorten(_LINE_END.sub('', text), 200)!r})",
        )
    return header


def _reject(number: int, text: str, reason: str) -> Reject:
    return Reject(number, _LINE_END.sub("", text), reason)


def _refuse_truncated(
    source: str, width: int, last: tuple[int, str, list[str] | None] | None
) -> None:
    """A file whose last record is cut short is unusable (a download cut mid-transfer)."""
    if last is None:
        return
    number, text, fields = last
    if fields is None and "\n" not in _LINE_END.sub("", text):
        raise SourceUnusable(source, f"truncated: line {number} ends mid-row")
    if fields is not None and len(fields) < width and not text.endswith(("\n", "\r")):
        raise SourceUnusable(
            source,
            f"truncated: the last line ({number}) has {len(fields)} of {width} fields",
        )


def _refuse_empty(spec: SourceSpec, result: StreamedSource) -> None:
    if not result.valid and not result.rejects:
        if result.out_of_scope:
            scope = ", ".join(f"{k}={v!r}" for k, v in spec.scope.items())
            raise SourceUnusable(spec.name, f"no rows in scope ({scope})")
        raise SourceUnusable(spec.name, "no data rows (header only)")
    if not result.valid:
        first_reject = min(result.rejects, key=lambda r: r.line_number)
        raise SourceUnusable(
            spec.name,
            f"no valid rows: all {len(result.rejects)} rejected, first: "
            f"line {first_reject.line_number}: {first_reject.reason}",
        )


class _Group:
    """Valid rows of one date (or of the whole file) until settled: one row per key."""

    def __init__(self, spec: SourceSpec, reparse: Callable[[str], SourceRow | str]):
        self.spec = spec
        self.reparse = reparse  # a known row's line, parsed when it has duplicates
        self.day: date | None = None
        # key -> (line number, text, row or None: a known row's line) of its first row; repeats
        self.first_seen: dict[RowKey, tuple[int, str, SourceRow | None]] = {}
        self.repeats: dict[RowKey, list[tuple[int, str, SourceRow | None]]] = {}
        self.known_keys: dict[str, tuple[str, ...]] = {}  # the day's known lines -> their keys
        self.known_hits: list[tuple[int, str]] = []  # (line number, line) of known lines read

    def add(self, number: int, text: str, row: SourceRow) -> None:
        self.day = row.date
        key = (row.date, self.spec.key_of(row) if self.spec.key_labels else ())
        self._add(key, number, text, row)

    def _add(self, key: RowKey, number: int, text: str, row: SourceRow | None) -> None:
        if key in self.first_seen:
            self.repeats.setdefault(key, []).append((number, text, row))
        else:
            self.first_seen[key] = (number, text, row)

    def _row(self, text: str, row: SourceRow | None) -> SourceRow:
        if row is None:
            reparsed = self.reparse(text)
            assert not isinstance(reparsed, str), f"a known line is not valid: {reparsed}"
            return reparsed
        return row

    def _settle_known(self, result: StreamedSource) -> None:
        """Known lines are valid and unchanged rows: counted at once when their keys are all
        apart (the common case), else added one by one, in line order, for ``settle``."""
        hits, self.known_hits = self.known_hits, []
        if not hits:
            return
        keys = list(map(self.known_keys.__getitem__, map(itemgetter(1), hits)))
        parsed = {key for _, key in self.first_seen}
        if len(set(keys)) == len(keys) and parsed.isdisjoint(keys):
            result.valid += len(hits)
            result.known += len(hits)
            return
        entries = [
            *((n, text, row, key) for key, (n, text, row) in self.first_seen.items()),
            *((n, text, row, key) for key, more in self.repeats.items() for n, text, row in more),
            *((n, line, None, (self.day, key)) for (n, line), key in zip(hits, keys)),
        ]
        self.first_seen, self.repeats = {}, {}
        for n, text, row, key in sorted(entries, key=itemgetter(0)):
            self._add(key, n, text, row)  # type: ignore[arg-type]

    def settle(self, result: StreamedSource) -> Iterator[SourceRow]:
        """The group's rows sorted by key: identical repeats collapse into the first;
        conflicting ones quarantine the key (the day, nationally), as neither value can be
        trusted. Known rows are counted, not yielded."""
        self._settle_known(result)
        quarantined = "key" if self.spec.key_labels else "day"
        first_seen = self.first_seen
        for key, more in self.repeats.items():
            first_line, first_text, first_row = first_seen[key]
            first_row = self._row(first_text, first_row)
            if all(self._row(text, row) == first_row for _, text, row in more):
                result.rejects.extend(
                    _reject(n, text, f"identical duplicate of line {first_line} (collapsed)")
                    for n, text, _ in more
                )
                continue
            del first_seen[key]
            seen = [(first_line, first_text), *((n, text) for n, text, _ in more)]
            reason = (
                f"conflicting duplicates of {self.spec.describe_key(*key)} on lines "
                f"{_some(str(n) for n, _ in seen)}: {quarantined} quarantined"
            )
            result.rejects.extend(_reject(n, text, reason) for n, text in seen)
        self.first_seen, self.repeats = {}, {}
        result.valid += len(first_seen)
        for key in sorted(first_seen):
            row = first_seen[key][2]
            if row is None:
                result.known += 1
            else:
                yield row


def line_renderer(
    spec: SourceSpec, header: list[str], columns: tuple[str, ...], max_count: int, line_end: str
) -> Callable[[list[tuple[str, ...]]], dict[str, tuple[str, ...]]] | None:
    """How known rows (their values named by ``columns``) read as lines of a file with this
    header, each with its key, if that can be known: only when the header has exactly the
    spec's columns, in any order, and no scope, and the header ends its line (the rows end
    theirs the same way).

    A row's line is kept only if parsing it provably gives that row back: counts in ASCII
    digits without leading zeros and fewer digits than the plausible maximum, labels without
    a comma, a quote, a line break or surrounding spaces (so the line is its values joined by
    commas, and trimming changes nothing). A day's rows are checked at once (text searches
    over the day); when one fails, row by row with a regular expression that says the same.
    A row that fails is left to the parse: its line will not match. A key label holding its
    blank key's stand-in is printed blank, as the source prints it (NYT's "Unknown"
    counties: "2021-01-02,Unknown,Alabama,,2,0"): the parse gives the stand-in back."""
    roles = {
        spec.date_column: "date",
        **{col: name for name, col in spec.counts.items()},
        **{col: name for name, col in spec.labels.items()},
    }
    if spec.scope or not line_end or sorted(roles) != sorted(header):
        return None
    if len(roles) != 1 + len(spec.counts) + len(spec.labels):
        return None  # a column with two roles
    digits = len(str(min(max_count, INT64_MAX)))
    a_count = f"(?:0|[1-9][0-9]{{0,{digits - 2}}})" if digits > 1 else "0"
    pattern = {
        "date": _ISO_DATE_ASCII.pattern,
        **{name: a_count for name in spec.counts},
        **{name: r'(?:[^\s,"]|[^\s,"][^,"\r\n]*[^\s,"])?' for name in spec.labels},
    }
    provable = re.compile(",".join(pattern[roles[name]] for name in header))
    order = [columns.index(roles[name]) for name in header]
    pick = itemgetter(*order)
    counts = [itemgetter(columns.index(name)) for name in spec.counts]
    dates = itemgetter(columns.index("date"))
    at = [columns.index(name) for name in spec.key_labels]
    key_of = itemgetter(slice(at[0], at[0] + 1)) if len(at) == 1 else itemgetter(*at)
    commas = len(header) - 1

    def all_provable(rows: list[tuple[str, ...]], day: str) -> bool:
        """The regular expression's rules, over a day's lines at once (all in C)."""
        if not day.isascii() or day.count("\n") != len(rows) - 1:
            return False
        if day.count(",") != commas * len(rows) or day.startswith(" ") or day.endswith(" "):
            return False
        if any(bad in day for bad in _NOT_IN_PLAIN_LINES):
            return False
        days = list(map(dates, rows))
        if days.count(days[0]) != len(days) or not _ISO_DATE_ASCII.fullmatch(days[0]):
            return False
        for values in (list(map(value_of, rows)) for value_of in counts):
            if not all(map(str.isdecimal, values)) or max(map(len, values)) >= digits:
                return False
            if f",{','.join(values)}".count(",0") != values.count("0"):  # leading zeros
                return False
        return True

    # (key label's place in a line, in a row, its stand-in's parts' places in a row)
    blank_keys = [
        (order.index(columns.index(name)), columns.index(name), itemgetter(*parts))
        for name in spec.key_labels
        if len(parts := [columns.index(part) for part in spec.blank_key.get(name, ())]) > 1
    ]

    def printed(row: tuple[str, ...]) -> str:
        values = list(pick(row))
        for in_line, in_row, parts in blank_keys:
            if row[in_row] == "/".join(parts(row)):
                values[in_line] = ""
        return ",".join(values)

    def lines(rows: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        texts = list(map(",".join, map(pick, rows)))
        for in_line, in_row, _ in blank_keys:  # a stand-in holds a "/": look at those only
            for i in compress(
                count(), map(str.__contains__, map(itemgetter(in_row), rows), repeat("/"))
            ):
                texts[i] = printed(rows[i])
        keys = map(key_of, rows) if at else repeat(())
        if rows and all_provable(rows, "\n".join(texts)):
            return dict(zip(map(add, texts, repeat(line_end)), keys))
        return {text + line_end: key for text, key in zip(texts, keys) if provable.fullmatch(text)}

    return lines


def _some(items: Iterable[str], shown: int = 5) -> str:
    """The first ``shown`` items, then how many more: a reason stays short however many."""
    items = list(items)
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _row_parser(
    spec: SourceSpec, column: dict[str, int], run_date: date, max_count: int
) -> Callable[[list[str]], SourceRow | str]:
    """The row rules as one function of a record's fields: a row, or why it is rejected.
    The common case (a date seen before, plain digits) takes the short way; anything else
    the long way that words the reason."""
    limit = min(max_count, INT64_MAX)
    digits = len(str(limit))
    date_at = column[spec.date_column]
    counts = [(out_name, col, column[col]) for out_name, col in spec.counts.items()]
    labels = [(name, column[col]) for name, col in spec.labels.items()]
    days: dict[str, date] = {}

    def parse(fields: list[str]) -> SourceRow | str:
        raw_date = fields[date_at].strip()
        day = days.get(raw_date)
        if day is None:
            day_or_reason = _day(raw_date, run_date)
            if isinstance(day_or_reason, str):
                return day_or_reason
            if len(days) >= CACHED_DATES:
                days.clear()
            day = days[raw_date] = day_or_reason
        values: dict[str, int] = {}
        for out_name, col, at in counts:
            raw = fields[at].strip()
            if raw.isdecimal() and len(raw) <= digits and int(raw) <= limit:
                values[out_name] = int(raw)
                continue
            value = _count(col, raw, limit)
            if isinstance(value, str):
                return value
            values[out_name] = value
        return SourceRow(day, values, {name: fields[at].strip() for name, at in labels})

    return parse


def _day(raw: str, run_date: date) -> date | str:
    """A row's date, or why it has none."""
    if not _ISO_DATE.match(raw):
        return f"unparseable date {shorten(raw)!r} (expected YYYY-MM-DD)"
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return f"impossible date {raw!r}"
    if day > run_date:
        return f"date {day} is in the future (run date {run_date})"
    return day


def _count(col: str, raw: str, limit: int) -> int | str:
    """A count, or why it is not one (``isdecimal`` is ``\\d+``: Unicode decimal digits)."""
    if raw == "":
        return f"missing {col}"
    if raw.startswith("-") and _COUNT.match(raw[1:]):
        return f"negative {col} {shorten(raw)}"
    if not _COUNT.match(raw):
        return f"non-integer {col} {shorten(raw)!r}"
    # Compare lengths first: int() of thousands of digits is refused (and slow).
    if len(raw.lstrip("0")) > len(str(limit)) or int(raw) > limit:
        return f"{col} {shorten(raw)} out of range (0 to {limit:,})"
    return int(raw)
