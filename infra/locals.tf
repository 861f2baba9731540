# The contract (covid_etl/contract.json), read here once and passed to every module: the
# resource names, the functions and their grants, the functions' environment. Python renders
# the same templates (covid_etl/contract.py, etl_tools/naming.py).
locals {
  contract   = jsondecode(file("${path.root}/../covid_etl/contract.json"))
  prefix     = templatestring(local.contract.prefix, { project = var.project, environment = var.environment })
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # What a name template may use.
  name_values = {
    prefix     = local.prefix
    account_id = local.account_id
    region     = var.region
    partition  = local.partition
  }
  names = { for kind, template in local.contract.names : kind => templatestring(template, local.name_values) }

  # Terraform-only: the local runner starts executions itself and has no schedule.
  schedule_dlq = "${local.prefix}-schedule-dlq"
  # Terraform-only: events the Glue failure rule could not deliver to the status topic.
  alerts_dlq = "${local.prefix}-alerts-dlq"
  # Terraform-only: the REST API (`etl api` serves it locally without API Gateway).
  api_name = "${local.prefix}-api"

  # The contract's functions, one folder lambdas/<name>/ each; the state functions are those the
  # state machine invokes (start_from_upload starts executions instead; API Gateway invokes api).
  state_functions = [for fn, function in local.contract.functions : fn if function.state]
  function_names  = { for fn, function in local.contract.functions : fn => templatestring(function.name, local.name_values) }

  # An object created under it starts a run (covid_etl.uploads).
  landing_prefix = local.contract.landing_prefix

  # What `make package` builds (etl_tools/packaging.py) and the Glue script.
  build_dir   = "${path.root}/../build"
  glue_script = "${path.root}/../glue/load_job.py"
  # etl_tools.packaging.GLUE_LIBRARY: the covid_etl wheel the Glue script imports.
  glue_library = "${local.build_dir}/glue/covid_etl-0-py3-none-any.whl"
  # Athena's query results in the data bucket (modules/analytics), expired by modules/storage.
  athena_results_prefix = "athena-results/"
  # The view `daily` for Athena, the same text `etl query` gives DuckDB.
  daily_view_sql = "${path.root}/../covid_etl/sql/daily.sql"
  definition     = "${path.root}/../statemachine.asl.json"
}
