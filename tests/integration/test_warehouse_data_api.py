"""The loader's Redshift Data API calls (covid_etl.aws) on moto's redshift-data: botocore checks
each request against the service's model (WorkgroupName, Database, Sql; Id), moto records the
statement. moto 5.2.5 never runs SQL and leaves a statement STARTED, so the polling to FINISHED
and its failures are tested on the fake (tests/unit/steps/test_load_warehouse.py)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from covid_etl import aws, keys, warehouse

ROLE = "arn:aws:iam::123456789012:role/covid-etl-dev-warehouse-copy"
# Statuses of the Data API's DescribeStatement (its StatusString enum).
STATUSES = {"SUBMITTED", "PICKED", "STARTED", "FINISHED", "ABORTED", "FAILED"}


@pytest.fixture
def data_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset_clients()
        yield boto3.client("redshift-data")
    aws.reset_clients()


def test_moto_accepts_each_statement_of_a_load_and_its_description(data_api) -> None:
    statements = warehouse.load_statements(
        "covid-etl-dev-data-123456789012", keys.processed("2020-06-01", "r1"), ROLE, "r1"
    )
    for sql in statements:
        statement_id = aws.execute_statement("covid-etl-dev-warehouse", "covid", sql)
        described = aws.describe_statement(statement_id)
        assert described["status"] in STATUSES
        recorded = data_api.describe_statement(Id=statement_id)
        assert (recorded["QueryString"], recorded["Database"]) == (sql, "covid")


def test_an_unknown_statement_is_an_error_not_a_status(data_api) -> None:
    with pytest.raises(data_api.exceptions.ResourceNotFoundException):
        aws.describe_statement("00000000-0000-4000-8000-000000000000")
