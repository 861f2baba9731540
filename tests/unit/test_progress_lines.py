"""`etl run`'s line per state reads each state's result where the state machine puts it: the
ResultPath of statemachine.asl.json, not a copy of it in the runner."""

from __future__ import annotations

import json
from pathlib import Path

from etl_tools.local.runner import state_result, summarize_output
from etl_tools.statemachine import DEFINITION_PATH, result_paths


def test_every_state_that_keeps_its_result_has_its_path_read_from_the_definition() -> None:
    paths = result_paths()
    assert paths["StartRun"] == "$.run"
    assert paths["GetLoadJob"] == "$.load_job.status"
    assert paths["ValidateNyt"] == "$"  # inside the Extract branches
    assert "RecordPreLoad" not in paths  # ResultPath null: its result is discarded
    text = DEFINITION_PATH.read_text()
    assert all(f'"{state}"' in text for state in paths)


def test_a_state_added_to_the_definition_is_summarized_without_a_runner_change(
    tmp_path: Path,
) -> None:
    definition = tmp_path / "statemachine.asl.json"
    definition.write_text(
        json.dumps(
            {
                "StartAt": "Audit",
                "States": {
                    "Audit": {"Type": "Task", "Resource": "${audit_arn}", "ResultPath": "$.audit"}
                },
            }
        )
    )
    assert result_paths(definition) == {"Audit": "$.audit"}


def test_the_failure_path_dashboard_gets_its_numbers() -> None:
    """RenderDashboardAfterFailure was missing from the runner's copy of the result paths."""
    output = json.dumps({"dashboard": {"days": 261, "dashboard_key": "dashboard/index.html"}})
    assert summarize_output("RenderDashboardAfterFailure", output) == "days=261"
    assert summarize_output("RenderDashboard", output) == "days=261"


def test_nested_and_whole_payload_result_paths() -> None:
    payload = {"load_job": {"status": {"state": "SUCCEEDED"}}, "extracted": 3}
    assert state_result(payload, "$.load_job.status") == {"state": "SUCCEEDED"}
    assert state_result(payload, "$") == payload
    assert state_result(payload, "$.missing.deeper") == {}
    assert state_result(payload, None) == {}
    load_job = json.dumps(payload)
    assert summarize_output("GetLoadJob", load_job) == "state=SUCCEEDED"
    assert summarize_output("ValidateNyt", load_job) == "extracted=3"


def test_a_source_the_dataset_does_not_declare_is_left_out_of_the_extract_line() -> None:
    sources = {
        "nyt": {"source": "nyt", "extracted": 13, "rejected": 3},
        "jhu": {"source": "jhu", "in_dataset": False},
    }
    output = json.dumps({"sources": sources})
    assert summarize_output("Extract", output) == "nyt: 13 rows, 3 rejected"


def test_a_failed_extract_leaves_the_inputs_source_urls_out_of_its_line() -> None:
    output = json.dumps({"sources": {"nyt": "http://127.0.0.1:1/x.csv"}, "error": {}})
    assert summarize_output("Extract", output) == ""
