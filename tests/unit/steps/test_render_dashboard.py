"""RenderDashboard (covid_etl/steps/render_dashboard.py) against the in-memory AWS layer."""

from __future__ import annotations

from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.records import DailyRecord
from covid_etl.steps.render_dashboard import render_dashboard


def test_the_page_is_rendered_from_the_table_and_the_run_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.table = {
        date(2020, 3, 1): DailyRecord(date(2020, 3, 1), 1, 0, 0),
        date(2020, 3, 2): DailyRecord(date(2020, 3, 2), 3, 1, 0),
    }
    fake_aws.runs["r-seen"] = {"run_id": "r-seen", "status": "SUCCEEDED"}

    assert render_dashboard(SETTINGS, "r1") == {"days": 2, "runs": 1}

    page = fake_aws.objects[("data", keys.DASHBOARD)].decode()
    assert "2020-03-02" in page and "r-seen" in page
