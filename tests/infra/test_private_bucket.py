"""modules/private_bucket: every bucket the project makes gets versions, encryption with a
customer-managed key, no public access and a policy refusing plain HTTP and TLS below 1.2,
from one module (the data bucket, the Terraform state bucket)."""

from __future__ import annotations

from pathlib import Path

from . import tfconfig

MODULE = tfconfig.INFRA / "modules" / "private_bucket"


def unguarded_buckets(module: tfconfig.Module) -> list[str]:
    """The module's aws_s3_bucket resources that no private_bucket module call is given."""
    guarded = {
        str(call.get("bucket_id"))
        for call in module.modules.values()
        if str(call.get("source", "")).endswith("/private_bucket")
    }
    return [
        bucket.where()
        for bucket in module.resources
        if bucket.type == "aws_s3_bucket" and f"${{aws_s3_bucket.{bucket.name}.id}}" not in guarded
    ]


def test_every_bucket_is_given_to_the_private_bucket_module(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    buckets = [b for m in infra_modules.values() for b in m.resources if b.type == "aws_s3_bucket"]
    assert len(buckets) >= 2, "the data bucket and the state bucket"
    assert [where for m in infra_modules.values() for where in unguarded_buckets(m)] == []


def test_a_bucket_without_the_module_is_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "guarded" {}\nresource "aws_s3_bucket" "bare" {}\n'
        'module "settings" {\n  source = "../private_bucket"\n'
        "  bucket_id = aws_s3_bucket.guarded.id\n}\n"
    )
    reported = unguarded_buckets(tfconfig.load_module(tmp_path))
    assert [where.rsplit(": ", 1)[1] for where in reported] == ["aws_s3_bucket.bare"]


def test_the_policy_refuses_plain_http_and_tls_below_1_2() -> None:
    refused = tfconfig.load_module(MODULE).locals["refused_transport"]
    assert refused == {
        "DenyPlainHttp": ["Bool", "aws:SecureTransport", "false"],
        "DenyTlsBelow12": ["NumericLessThan", "s3:TlsVersion", "1.2"],
    }
