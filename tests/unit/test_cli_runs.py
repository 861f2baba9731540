"""`etl runs`' lines (etl_tools/cli.py run_line): one column per field whatever the status."""

from __future__ import annotations

from etl_tools.cli import RUN_STATUSES, run_line


def test_the_columns_line_up_for_every_status_awaiting_approval_included() -> None:
    lines = [
        run_line(
            {
                "run_id": "run-20261129T211738Z-6b7d22",
                "status": status,
                "started_at": "2026-11-29T21:17:38Z",
                "trigger": {},
                "duration_seconds": 3.4,
                "counts": {"inserted": 1},
            }
        )
        for status in RUN_STATUSES
    ]
    assert len({line.index("2026-11-29T21:17:38Z") for line in lines}) == 1
    assert len({line.index("inserted=1") for line in lines}) == 1
    assert (
        "AWAITING_APPROVAL  2026-11-29T21:17:38Z" in lines[RUN_STATUSES.index("AWAITING_APPROVAL")]
    )
