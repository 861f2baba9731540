"""The approval gate's decision, pure: does a planned delta need a human's yes before the load?

A delta pauses the run when it revises more than ``share`` of the loaded history, or more than
``rows`` days, or lowers a cumulative count (cases, deaths, recovered) by more than ``factor``
(before / after). New days never need approval: they revise nothing. An approval is bound to
the exact plan it saw: ``plan_hash`` is the hash of the delta file, so a changed source makes a
new plan that asks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from covid_etl.datasets import Record
from covid_etl.records import Change

TOP_REVISIONS = 5  # how many revisions the approval email lists
REJECTED = "Rejected"  # the error an approver's SendTaskFailure carries
TIMED_OUT = "States.Timeout"  # what Step Functions raises when nobody answered in time


@dataclass(frozen=True)
class Thresholds:
    share: float  # of the loaded days, e.g. 0.05
    rows: int  # revised days
    factor: float  # before / after of a cumulative count

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1 or self.rows < 0 or self.factor < 1:
            raise ValueError(f"approval thresholds out of range: {self}")


@dataclass(frozen=True)
class Revision:
    before: Record
    after: Record

    def lowering(self) -> tuple[str, float] | None:
        """The cumulative count this revision lowers the most, and by which factor."""
        worst = None
        before = self.before.counts()
        for name, new in self.after.counts().items():
            old = before[name]
            if new < old:
                factor = old / new if new > 0 else float("inf")
                if worst is None or factor > worst[1]:
                    worst = (name, factor)
        return worst

    def size(self) -> int:
        before = self.before.counts()
        return sum(abs(new - before[name]) for name, new in self.after.counts().items())

    def as_dict(self) -> dict[str, Any]:
        """The key's columns (the date; a county's FIPS too), the counts before and after."""
        return {
            **self.after.key_fields(),
            "before": self.before.counts(),
            "after": self.after.counts(),
        }


def revisions(changes: Iterable[Change]) -> list[Revision]:
    """The planned changes that revise a day already loaded: the snapshot's value -> the new one."""
    return [Revision(c.before, c.record) for c in changes if c.before not in (None, c.record)]


def reason(changes: list[Revision], loaded_days: int, thresholds: Thresholds) -> str | None:
    """One line saying why this delta needs approval, or None when it does not."""
    reasons = []
    if loaded_days and len(changes) / loaded_days > thresholds.share:
        reasons.append(
            f"revises {len(changes)} of {loaded_days} loaded days "
            f"({len(changes) / loaded_days:.1%} > {thresholds.share:.1%})"
        )
    if len(changes) > thresholds.rows:
        reasons.append(f"revises {len(changes)} days (> {thresholds.rows})")
    lowered = [(c, low) for c in changes if (low := c.lowering()) and low[1] > thresholds.factor]
    if lowered:
        change, (name, _) = max(lowered, key=lambda item: item[1][1])
        reasons.append(
            f"lowers {name} of {change.after.key_text} from {getattr(change.before, name)} to "
            f"{getattr(change.after, name)} (by more than x{thresholds.factor:g})"
            + (f" and {len(lowered) - 1} more day(s)" if len(lowered) > 1 else "")
        )
    return "; ".join(reasons) or None


def top_revisions(changes: list[Revision], limit: int = TOP_REVISIONS) -> list[dict[str, Any]]:
    """The largest revisions (by total change), for the email: date, before, after."""
    return [c.as_dict() for c in sorted(changes, key=Revision.size, reverse=True)[:limit]]


def plan_digest() -> Any:
    """The hash of plan_hash, to feed as the delta is written (a large delta is never whole)."""
    return hashlib.sha256()


def plan_hash(delta_csv: bytes) -> str:
    digest = plan_digest()
    digest.update(delta_csv)
    return digest.hexdigest()


def rejection_message(error_type: str, cause: str) -> str:
    """The run record's error of a rejected run: who rejected it, or the timeout."""
    if error_type == TIMED_OUT:
        return "rejected by timeout: nobody approved or rejected the load in time"
    return cause or "rejected"
