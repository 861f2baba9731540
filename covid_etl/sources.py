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

import csv
import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

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
        return tuple(
            row.labels[name] or "/".join(row.labels[part] for part in self.blank_key[name])
            for name in self.key_labels
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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNT = re.compile(r"^\d+$")
_HTML = re.compile(rb"^\s*<(!doctype|html|head|body|\?xml)", re.IGNORECASE)
_LINE_END = re.compile(r"(\r\n|\r|\n)\Z")


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


def decode(source: str, data: bytes) -> str:
    """Bytes to text: UTF-8 (a BOM is fine), refusing HTML pages and binary."""
    if not data.strip():
        raise SourceUnusable(source, "the file is empty")
    if _HTML.match(data[:512]):
        raise SourceUnusable(source, "got an HTML page instead of CSV (an upstream error page?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceUnusable(
            source, f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}"
        ) from None


@dataclass(frozen=True)
class CsvRecord:
    line_number: int  # the line the record starts on
    text: str  # the record as in the file (newlines inside quotes kept), without its line end
    fields: list[str] | None  # None: malformed CSV
    error: str | None
    last: bool  # nothing follows it in the file


def csv_records(text: str) -> Iterator[CsvRecord]:
    """The CSV records of ``text``, one strict ``csv.reader`` pass over its lines.

    A stray quote swallows the lines after it (up to the next quote, or the end of the file);
    instead, a malformed record spanning lines is reported on its first line and the rest is
    read again one line per record, so one stray quote costs one row (and n stray quotes cost
    n rows, not n passes over the file). A record open at the end of the file on its own last
    line is reported malformed too, with ``last``.
    """
    stream = iter(io.StringIO(text, newline=""))
    upcoming = next(stream, None)
    replay: deque[tuple[int, str]] = deque()  # lines read ahead by a record left open
    consumed: list[tuple[int, str]] = []
    read = 0

    def lines() -> Iterator[str]:
        nonlocal upcoming, read
        while replay or upcoming is not None:
            if replay:
                item = replay.popleft()
            else:
                read += 1
                item, upcoming = (read, upcoming), next(stream, None)
            consumed.append(item)
            yield item[1]

    def at_end() -> bool:
        return not replay and upcoming is None

    reader = csv.reader(lines(), strict=True)
    while True:
        consumed.clear()
        try:
            fields: list[str] | None = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = None, str(exc)
            if len(consumed) > 1:
                replay.extend(consumed[1:])
                del consumed[1:]
                reader = _OneLinePerRecord(lines())
        if consumed:
            text_of = _LINE_END.sub("", "".join(line for _, line in consumed))
            yield CsvRecord(consumed[0][0], text_of, fields, error, at_end())


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
    """Parse a source file; rows dated after ``run_date`` are rejected as future dates.

    ``spec`` defaults to the national series' spec of ``source`` (a dataset passes its own).
    """
    spec = spec or SPECS[source]
    text = decode(source, data)
    records = (r for r in csv_records(text) if r.text.strip())
    first = next(records, None)
    if first is None:
        raise SourceUnusable(source, "the file is empty")
    header = _header(spec, first)
    column = {name: header.index(name) for name in spec.required_columns}

    result = ValidatedSource(source=source, rows=[], rejects=[])
    first_seen: dict[RowKey, tuple[int, SourceRow]] = {}
    repeats: dict[RowKey, list[tuple[int, SourceRow]]] = {}
    for record in records:
        fields = record.fields
        if fields is None:
            if record.last and "\n" not in record.text:
                raise SourceUnusable(source, f"truncated: line {record.line_number} ends mid-row")
            result.rejects.append(_reject(record, f"malformed CSV: {record.error}"))
            continue
        if len(fields) != len(header):
            if record.last and len(fields) < len(header) and not text.endswith(("\n", "\r")):
                raise SourceUnusable(
                    source,
                    f"truncated: the last line ({record.line_number}) has {len(fields)} of "
                    f"{len(header)} fields",
                )
            result.rejects.append(
                _reject(record, f"wrong field count: expected {len(header)}, got {len(fields)}")
            )
            continue
        if any(fields[column[name]].strip() != value for name, value in spec.scope.items()):
            result.out_of_scope += 1
            continue
        row, reason = _parse_row(spec, fields, column, run_date, max_count)
        if row is None:
            result.rejects.append(_reject(record, reason or "unusable"))
            continue
        key = (row.date, spec.key_of(row))
        if key in first_seen:
            repeats.setdefault(key, []).append((record.line_number, row))
        else:
            first_seen[key] = (record.line_number, row)
    _settle_duplicates(spec, text, first_seen, repeats, result)

    if not result.rows and not result.rejects:
        if result.out_of_scope:
            scope = ", ".join(f"{k}={v!r}" for k, v in spec.scope.items())
            raise SourceUnusable(source, f"no rows in scope ({scope})")
        raise SourceUnusable(source, "no data rows (header only)")
    if not result.rows:
        first_reject = min(result.rejects, key=lambda r: r.line_number)
        raise SourceUnusable(
            source,
            f"no valid rows: all {len(result.rejects)} rejected, first: "
            f"line {first_reject.line_number}: {first_reject.reason}",
        )
    result.rejects.sort(key=lambda r: r.line_number)
    return result


def _header(spec: SourceSpec, record: CsvRecord) -> list[str]:
    """The header's column names; a header that is not one of this source's is unusable."""
    if record.fields is None:
        raise SourceUnusable(
            spec.name, f"unreadable header (line {record.line_number}): {record.error}"
        )
    if len(record.fields) > MAX_COLUMNS:
        raise SourceUnusable(
            spec.name,
            f"the header has {len(record.fields):,} columns (at most {MAX_COLUMNS:,} expected): "
            f"not a {spec.title} file",
        )
    header = [name.strip() for name in record.fields]
    missing = [name for name in spec.required_columns if name not in header]
    if missing:
        raise SourceUnusable(
            spec.name,
            f"missing required column(s) {', '.join(missing)} "
            f"(header: {shorten(record.text, 200)!r})",
        )
    return header


def _reject(record: CsvRecord, reason: str) -> Reject:
    return Reject(record.line_number, record.text, reason)


def _settle_duplicates(
    spec: SourceSpec,
    text: str,
    first_seen: dict[RowKey, tuple[int, SourceRow]],
    repeats: dict[RowKey, list[tuple[int, SourceRow]]],
    result: ValidatedSource,
) -> None:
    """One row per key, sorted by key: identical repeats collapse into the first; conflicting
    ones quarantine the key (the day, nationally), as neither value can be trusted.

    Reading keeps each row's line number, not its text: the records of duplicates (rare) are
    read again from ``text`` for their rejects, so memory does not hold every row's text."""
    quarantined = "key" if spec.key_labels else "day"
    wanted = {
        n for key, more in repeats.items() for n in (first_seen[key][0], *(n for n, _ in more))
    }
    texts = (
        {r.line_number: r.text for r in csv_records(text) if r.line_number in wanted}
        if wanted
        else {}
    )
    for key, more in repeats.items():
        first_line, first_row = first_seen[key]
        if all(row == first_row for _, row in more):
            result.rejects.extend(
                Reject(n, texts[n], f"identical duplicate of line {first_line} (collapsed)")
                for n, _ in more
            )
            continue
        del first_seen[key]
        seen = [first_line, *(n for n, _ in more)]
        reason = (
            f"conflicting duplicates of {spec.describe_key(*key)} on lines "
            f"{_some(map(str, seen))}: {quarantined} quarantined"
        )
        result.rejects.extend(Reject(n, texts[n], reason) for n in seen)
    result.rows.extend(first_seen[key][1] for key in sorted(first_seen))


def _some(items: Iterable[str], shown: int = 5) -> str:
    """The first ``shown`` items, then how many more: a reason stays short however many."""
    items = list(items)
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _parse_row(
    spec: SourceSpec,
    fields: list[str],
    column: dict[str, int],
    run_date: date,
    max_count: int = DEFAULT_MAX_COUNT,
) -> tuple[SourceRow | None, str | None]:
    raw_date = fields[column[spec.date_column]].strip()
    if not _ISO_DATE.match(raw_date):
        return None, f"unparseable date {shorten(raw_date)!r} (expected YYYY-MM-DD)"
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        return None, f"impossible date {raw_date!r}"
    if day > run_date:
        return None, f"date {day} is in the future (run date {run_date})"
    limit = min(max_count, INT64_MAX)
    values: dict[str, int] = {}
    for out_name, col in spec.counts.items():
        raw = fields[column[col]].strip()
        if raw == "":
            return None, f"missing {col}"
        if raw.startswith("-") and _COUNT.match(raw[1:]):
            return None, f"negative {col} {shorten(raw)}"
        if not _COUNT.match(raw):
            return None, f"non-integer {col} {shorten(raw)!r}"
        # Compare lengths first: int() of thousands of digits is refused (and slow).
        if len(raw.lstrip("0")) > len(str(limit)) or int(raw) > limit:
            return None, f"{col} {shorten(raw)} out of range (0 to {limit:,})"
        values[out_name] = int(raw)
    labels = {name: fields[column[col]].strip() for name, col in spec.labels.items()}
    return SourceRow(day, values, labels), None
