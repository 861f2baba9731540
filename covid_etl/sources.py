"""Parse and validate the two sources, by header name, quarantining bad rows with a reason.

Pure functions over bytes: nothing here knows about S3 or HTTP.

- A row that cannot be used becomes a ``Reject`` (line number, original line, reason).
- A source that is unusable as a whole raises ``SourceUnusable`` naming the source and the problem.
- Decreasing cumulative values are real revisions upstream, not errors.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date

NYT = "nyt"
JHU = "jhu"
SOURCES = (NYT, JHU)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    title: str
    date_column: str
    # output field -> CSV column holding a non-negative integer count
    counts: dict[str, str]
    # CSV column -> required value for a row to be in scope (others are counted, not checked)
    scope: dict[str, str] = field(default_factory=dict)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return (self.date_column, *self.counts.values(), *self.scope)


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


@dataclass(frozen=True)
class SourceRow:
    date: date
    values: dict[str, int]


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


def validate(source: str, data: bytes, *, run_date: date) -> ValidatedSource:
    """Parse a source file; rows dated after ``run_date`` are rejected as future dates."""
    spec = SPECS[source]
    text = decode(source, data)
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise SourceUnusable(source, "the file is empty")
    header = [name.strip() for name in _split(lines[header_index])]
    missing = [name for name in spec.required_columns if name not in header]
    if missing:
        raise SourceUnusable(
            source,
            f"missing required column(s) {', '.join(missing)} (header: {lines[header_index]!r})",
        )
    column = {name: header.index(name) for name in spec.required_columns}

    result = ValidatedSource(source=source, rows=[], rejects=[])
    first_seen: dict[date, int] = {}
    last_number = len(lines)
    for number, line in enumerate(lines[header_index + 1 :], start=header_index + 2):
        if not line.strip():
            continue
        try:
            fields = _split(line)
        except csv.Error as exc:
            if number == last_number:
                raise SourceUnusable(source, f"truncated: line {number} ends mid-row") from None
            result.rejects.append(Reject(number, line, f"malformed CSV: {exc}"))
            continue
        if len(fields) != len(header):
            if number == last_number and len(fields) < len(header) and not text.endswith("\n"):
                raise SourceUnusable(
                    source,
                    f"truncated: the last line ({number}) has {len(fields)} of "
                    f"{len(header)} fields",
                )
            result.rejects.append(
                Reject(
                    number, line, f"wrong field count: expected {len(header)}, got {len(fields)}"
                )
            )
            continue
        if any(fields[column[name]].strip() != value for name, value in spec.scope.items()):
            result.out_of_scope += 1
            continue
        row, reason = _parse_row(spec, fields, column, run_date)
        if row is not None and row.date in first_seen:
            reason = f"duplicate date {row.date} (first on line {first_seen[row.date]})"
        if reason:
            result.rejects.append(Reject(number, line, reason))
            continue
        assert row is not None
        first_seen[row.date] = number
        result.rows.append(row)

    if not result.rows and not result.rejects:
        if result.out_of_scope:
            scope = ", ".join(f"{k}={v!r}" for k, v in spec.scope.items())
            raise SourceUnusable(source, f"no rows in scope ({scope})")
        raise SourceUnusable(source, "no data rows (header only)")
    if not result.rows:
        raise SourceUnusable(
            source,
            f"no valid rows: all {len(result.rejects)} rejected, first: "
            f"line {result.rejects[0].line_number}: {result.rejects[0].reason}",
        )
    result.rows.sort(key=lambda r: r.date)
    return result


def _split(line: str) -> list[str]:
    return next(csv.reader([line], strict=True))


def _parse_row(
    spec: SourceSpec, fields: list[str], column: dict[str, int], run_date: date
) -> tuple[SourceRow | None, str | None]:
    raw_date = fields[column[spec.date_column]].strip()
    if not _ISO_DATE.match(raw_date):
        return None, f"unparseable date {raw_date!r} (expected YYYY-MM-DD)"
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        return None, f"impossible date {raw_date!r}"
    if day > run_date:
        return None, f"date {day} is in the future (run date {run_date})"
    values: dict[str, int] = {}
    for out_name, col in spec.counts.items():
        raw = fields[column[col]].strip()
        if raw == "":
            return None, f"missing {col}"
        if raw.startswith("-") and _COUNT.match(raw[1:]):
            return None, f"negative {col} {raw}"
        if not _COUNT.match(raw):
            return None, f"non-integer {col} {raw!r}"
        values[out_name] = int(raw)
    return SourceRow(day, values), None
