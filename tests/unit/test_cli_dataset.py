"""`etl run` and `etl export` take --dataset: an unknown dataset, a source its spec lacks or a
missing source of a dataset that ships no local file are usage errors (exit 2), refused before
the state dir is opened or a process started."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl_tools import cli


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--dataset", "states"], "unknown dataset 'states' (known: us, us-counties)"),
        (["export", "--dataset", "states"], "unknown dataset 'states'"),
        (
            ["run", "--dataset", "us-counties", "--source", "jhu=https://example.org/j.csv"],
            "--source jhu=https://example.org/j.csv: dataset us-counties expects nyt=PATH_OR_URL",
        ),
        (
            ["run", "--dataset", "us-counties"],
            "--dataset us-counties: give its source(s) with --source nyt=PATH_OR_URL",
        ),
    ],
)
def test_a_dataset_usage_error_exits_2_before_touching_the_state_dir(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir = tmp_path / "state"
    with pytest.raises(SystemExit) as exited:
        cli.main([*argv, "--state-dir", str(state_dir)])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not state_dir.exists()


def test_the_help_names_the_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "export"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert "--dataset NAME" in capsys.readouterr().out
