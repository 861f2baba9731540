"""bench/coldstart.py times a handler as Lambda imports it: from the artifacts alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.coldstart import import_command
from bench.measure import ChildFailed, run_python


def test_an_artifact_import_sees_nothing_of_the_virtualenv_or_the_checkout(tmp_path: Path) -> None:
    """covid_etl is installed here and sits in the working directory: from an empty folder it
    must not import, or a handler could lean on what its zips lack."""
    with pytest.raises(ChildFailed, match="No module named 'covid_etl'"):
        run_python(import_command("covid_etl", str(tmp_path)))


def test_a_module_after_another_is_imported_with_that_one_loaded(tmp_path: Path) -> None:
    """ "boto3,aws_lambda_powertools": Powertools in a process that has boto3 already."""
    (tmp_path / "first.py").write_text("")
    (tmp_path / "second.py").write_text("import sys\nassert 'first' in sys.modules\n")
    assert run_python(import_command("first,second", str(tmp_path))).output["seconds"] >= 0
    with pytest.raises(ChildFailed, match="AssertionError"):
        run_python(import_command("second", str(tmp_path)))
