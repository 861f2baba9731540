# The naming convention of etl_tools/naming.py, computed once here and passed to every module.
# tests/infra/test_naming.py evaluates these templates and compares them with Names(...).
locals {
  prefix     = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  names = {
    data_bucket   = "${local.prefix}-data-${local.account_id}"
    daily_table   = "${local.prefix}-daily"
    runs_table    = "${local.prefix}-runs"
    retry_queue   = "${local.prefix}-retry"
    retry_dlq     = "${local.prefix}-retry-dlq"
    status_topic  = "${local.prefix}-status"
    load_job      = "${local.prefix}-load"
    state_machine = "${local.prefix}-daily"
    schedule      = "${local.prefix}-daily"
    upload_queue  = "${local.prefix}-uploads"
    upload_dlq    = "${local.prefix}-uploads-dlq"
    upload_rule   = "${local.prefix}-uploads"
    event_bus     = "${local.prefix}-events"
    # Built from names, not read from the state machine: the functions get it in their
    # environment, and the state machine needs the functions' ARNs first.
    state_machine_arn = "arn:${local.partition}:states:${var.region}:${local.account_id}:stateMachine:${local.prefix}-daily"
  }

  # Terraform-only: the local runner starts executions itself and has no schedule.
  schedule_dlq = "${local.prefix}-schedule-dlq"
  # Terraform-only: events the Glue failure rule could not deliver to the status topic.
  alerts_dlq = "${local.prefix}-alerts-dlq"

  # etl_tools.naming.FUNCTIONS: one folder lambdas/<name>/ each.
  functions = [
    "start_run",
    "extract_source",
    "validate_source",
    "transform_sources",
    "collect_retries",
    "plan_load",
    "record_pre_load",
    "check_load",
    "reconcile_load",
    "queue_failures",
    "commit_snapshot",
    "finish_run",
    "fail_run",
    "render_dashboard",
    "notify",
    # The events after a successful load.
    "publish_changes",
    "announce_run",
    "start_from_upload",
  ]
  # etl_tools.naming.STATE_FUNCTIONS: the ones the state machine invokes (start_from_upload
  # starts executions; the state machine has no business invoking it).
  state_functions = [for fn in local.functions : fn if fn != "start_from_upload"]
  function_names  = { for fn in local.functions : fn => "${local.prefix}-${replace(fn, "_", "-")}" }

  # covid_etl.uploads.LANDING_PREFIX: an object created under it starts a run.
  landing_prefix = "landing/"

  # What `make package` builds (etl_tools/packaging.py) and the Glue script.
  build_dir   = "${path.root}/../build"
  glue_script = "${path.root}/../glue/load_job.py"
  # The view `daily` for Athena, the same text `etl query` gives DuckDB.
  daily_view_sql = "${path.root}/../covid_etl/sql/daily.sql"
  definition     = "${path.root}/../statemachine.asl.json"
}
