"""Offline verification of infra/: fmt, the provider schema, cross-checks, IAM, checkov."""
