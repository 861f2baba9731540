"""The contract's names (covid_etl/contract.json) for one environment of one account.

Terraform renders the same templates (infra/locals.tf); the local runner creates its moto
resources under these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from covid_etl.contract import (
    FUNCTION_NAME_TEMPLATES,
    NAME_TEMPLATES,
    PREFIX_TEMPLATE,
    PROJECT,
    render,
)

LOCAL_ENVIRONMENT = "local"


@dataclass(frozen=True)
class Names:
    """``names.<kind>`` is the name of each resource kind in the contract's "names"."""

    environment: str
    account_id: str
    region: str = "us-east-1"
    project: str = PROJECT
    # The local runner and moto live in the commercial partition.
    partition: str = "aws"

    @property
    def prefix(self) -> str:
        return render(PREFIX_TEMPLATE, project=self.project, environment=self.environment)

    def __getattr__(self, kind: str) -> str:
        # Only called for attributes the class lacks: the contract's resource kinds.
        if kind not in NAME_TEMPLATES:
            raise AttributeError(f"no resource kind {kind!r} in the contract's names")
        return self._render(NAME_TEMPLATES[kind])

    def function(self, name: str) -> str:
        if name not in FUNCTION_NAME_TEMPLATES:
            raise KeyError(f"unknown function {name!r}")
        return self._render(FUNCTION_NAME_TEMPLATES[name])

    def function_arn(self, name: str) -> str:
        return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:function:{self.function(name)}"

    def _render(self, template: str) -> str:
        return render(
            template,
            prefix=self.prefix,
            account_id=self.account_id,
            region=self.region,
            partition=self.partition,
        )
