"""The suite's isolation: the embedded AWS changes process-wide state (os.environ, boto3's default
session); conftest.process_state_kept puts it back, so no later test, in any order or on any
xdist worker, runs against another test's account or settings."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import boto3
from conftest import (
    SLOWEST_FIRST,
    process_state_kept,
    pytest_collection_modifyitems,
    pytest_xdist_auto_num_workers,
)

from etl_tools.local.runner import embedded_aws


def test_an_embedded_account_leaves_nothing_behind_in_the_process(tmp_path: Path) -> None:
    environ, session = dict(os.environ), boto3.DEFAULT_SESSION
    with process_state_kept(), embedded_aws(tmp_path, save=False, compute=False) as stack:
        # What there is to put back: the account's settings and session.
        assert os.environ.items() >= stack.settings.as_env().items()
        assert boto3.DEFAULT_SESSION is not session
    assert dict(os.environ) == environ
    assert boto3.DEFAULT_SESSION is session


def test_the_e2e_modules_are_collected_first_each_whole_and_in_order() -> None:
    """README: the slowest files start first under --dist loadfile."""
    paths = [
        "tests/ci/test_a.py",
        "tests/e2e/test_b.py",
        "tests/e2e/test_b.py",
        "tests/unit/test_c.py",
        "tests/e2e/test_d.py",
    ]
    items = [SimpleNamespace(path=Path(path)) for path in paths]
    pytest_collection_modifyitems(items)
    assert [str(item.path) for item in items] == [
        "tests/e2e/test_b.py",
        "tests/e2e/test_b.py",
        "tests/e2e/test_d.py",
        "tests/ci/test_a.py",
        "tests/unit/test_c.py",
    ]


def test_the_slowest_e2e_modules_are_handed_out_before_the_other_e2e_modules() -> None:
    """README: the slowest of the e2e modules first. The list names files that exist."""
    e2e = Path(__file__).parent.parent / "e2e"
    assert all((e2e / name).is_file() for name in SLOWEST_FIRST)
    paths = [
        "tests/unit/test_c.py",
        "tests/e2e/test_b.py",
        *(f"tests/e2e/{n}" for n in SLOWEST_FIRST),
    ]
    items = [SimpleNamespace(path=Path(path)) for path in paths]
    pytest_collection_modifyitems(items)
    assert [item.path.name for item in items] == [*SLOWEST_FIRST, "test_b.py", "test_c.py"]


def test_auto_starts_a_worker_per_core_and_one_more() -> None:
    """README: `-n auto` is a worker per core and one more (the e2e tests also wait)."""
    assert pytest_xdist_auto_num_workers(SimpleNamespace()) == (os.cpu_count() or 1) + 1
