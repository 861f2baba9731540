"""The run's accounting: every extracted row ends up somewhere, and the numbers prove it.

Two invariants, checked at the end of every run and by every end-to-end test:

1. Source rows:   extracted = rejected + dropped_by_join + matched
   (each in-scope source row is rejected by validation, dropped because the other source
   has no valid row for its day, or matched into a joined day: two matched rows per day).
2. Day records:   joined + retried = inserted + updated + unchanged + queued
   (each joined day, plus each record drained from the retry queue that today's sources do
   not supersede, is written as new, written as a revision, skipped as unchanged, or queued
   for retry because the write failed).
"""

from __future__ import annotations

COUNT_NAMES: tuple[str, ...] = (
    "extracted",
    "rejected",
    "dropped_by_join",
    "matched",
    "joined",
    "retried",
    "inserted",
    "updated",
    "unchanged",
    "queued",
)


class InvariantBroken(Exception):
    """The counts do not add up: a row was lost or counted twice."""


def invariant_violations(counts: dict[str, int]) -> list[str]:
    """Human-readable descriptions of the invariants the counts break (empty when they hold)."""
    c = {name: int(counts.get(name, 0)) for name in COUNT_NAMES}
    problems = []
    rows_accounted = c["rejected"] + c["dropped_by_join"] + c["matched"]
    if c["extracted"] != rows_accounted:
        problems.append(
            f"extracted {c['extracted']} != rejected {c['rejected']} + dropped_by_join "
            f"{c['dropped_by_join']} + matched {c['matched']} (= {rows_accounted})"
        )
    records_in = c["joined"] + c["retried"]
    records_out = c["inserted"] + c["updated"] + c["unchanged"] + c["queued"]
    if records_in != records_out:
        problems.append(
            f"joined {c['joined']} + retried {c['retried']} (= {records_in}) != inserted "
            f"{c['inserted']} + updated {c['updated']} + unchanged {c['unchanged']} + queued "
            f"{c['queued']} (= {records_out})"
        )
    return problems


def check_invariants(counts: dict[str, int]) -> None:
    problems = invariant_violations(counts)
    if problems:
        raise InvariantBroken("; ".join(problems))
