# The Rebuild job's image (AWS Batch on Fargate, infra/modules/batch): the runtime package
# covid_etl with the dependencies pinned in pyproject.toml, nothing of the tooling.
# Build from the repository root: docker build -t <repository_url>:<tag> .
# Its entrypoint is the module the local bridge runs in-process (etl_tools/local/moto_bridge.py);
# tests/ci/test_dockerfile.py holds both to that, and lints this file with hadolint.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/covid-etl
# setuptools finds only the packages copied: covid_etl, not etl_tools.
COPY pyproject.toml ./
COPY covid_etl ./covid_etl
RUN pip install --no-cache-dir . \
 && useradd --system --no-create-home --uid 10001 rebuild

# The job definition sets a read-only root filesystem; the job writes to S3 only.
USER 10001
ENTRYPOINT ["python", "-m", "covid_etl.rebuild"]
