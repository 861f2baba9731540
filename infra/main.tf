# The whole pipeline: EventBridge Scheduler (daily) or an upload (S3 -> EventBridge -> SQS ->
# start_from_upload) -> Step Functions -> Lambda functions + a Glue Python-shell job -> DynamoDB
# and Parquet, with S3 for the files of a run, SQS for records to retry and SNS for the status
# email. Every name comes from locals.tf.

module "encryption" {
  source = "./modules/encryption"

  name_prefix = local.prefix
  account_id  = local.account_id
  partition   = local.partition
  region      = var.region

  status_topic_arn = "arn:${local.partition}:sns:${var.region}:${local.account_id}:${local.names.status_topic}"
  event_bus_arn    = "arn:${local.partition}:events:${var.region}:${local.account_id}:event-bus/${local.names.event_bus}"
  event_queue_arns = [
    for queue in concat(
      [local.names.upload_queue, local.names.upload_dlq, local.alerts_dlq],
      [for s in var.subscribers : "${local.prefix}-${s.name}-dlq"],
      var.enable_warehouse ? [local.names.warehouse_dlq] : [],
    ) :
    "arn:${local.partition}:sqs:${var.region}:${local.account_id}:${queue}"
  ]
}

module "storage" {
  source = "./modules/storage"

  bucket_name                       = local.names.data_bucket
  kms_key_arn                       = module.encryption.key_arn
  run_data_retention_days           = var.run_data_retention_days
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  force_destroy                     = var.force_destroy_data
  query_results_prefix              = local.athena_results_prefix
  query_results_retention_days      = var.athena_results_retention_days
}

module "tables" {
  source = "./modules/tables"

  dataset_tables = {
    for table, key in local.contract.dataset_tables : table => { name = local.names["${table}_table"], key = key }
  }
  runs_table_name     = local.names.runs_table
  kms_key_arn         = module.encryption.key_arn
  deletion_protection = var.deletion_protection
}

module "queues" {
  source = "./modules/queues"

  retry_queue_name = local.names.retry_queue
  retry_dlq_name   = local.names.retry_dlq
  kms_key_arn      = module.encryption.key_arn
  max_receives     = var.retry_max_receives

  upload_queue_name               = local.names.upload_queue
  upload_dlq_name                 = local.names.upload_dlq
  upload_max_receives             = var.upload_max_receives
  upload_consumer_timeout_seconds = var.lambda_timeout_seconds
}

module "notifications" {
  source = "./modules/notifications"

  topic_name  = local.names.status_topic
  kms_key_arn = module.encryption.key_arn
  account_id  = local.account_id
  emails      = var.notification_emails
}

# The events after a successful load (docs/architecture.md#events).
module "events" {
  source = "./modules/events"

  bus_name    = local.names.event_bus
  kms_key_arn = module.encryption.key_arn
}

# Subscribers: a rule, an API destination and a DLQ per declaration (docs/operations.md#subscribers).
module "subscribers" {
  source = "./modules/subscribers"

  name_prefix = local.prefix
  bus_name    = module.events.bus_name
  kms_key_arn = module.encryption.key_arn
  subscribers = var.subscribers
  secrets     = var.subscriber_secrets
}

# The value of each variable of the contract's environment: a variable the contract adds
# without a value here fails the plan.
locals {
  function_environment = {
    DATA_BUCKET               = module.storage.bucket_name
    DAILY_TABLE               = module.tables.daily_table_name
    COUNTIES_TABLE            = module.tables.counties_table_name
    RUNS_TABLE                = module.tables.runs_table_name
    RETRY_QUEUE_URL           = module.queues.retry_queue_url
    RETRY_DLQ_URL             = module.queues.retry_dlq_url
    STATUS_TOPIC_ARN          = module.notifications.topic_arn
    NYT_URL                   = var.nyt_url
    JHU_URL                   = var.jhu_url
    HTTP_TIMEOUT_SECONDS      = tostring(var.http_timeout_seconds)
    HTTP_RETRIES              = tostring(var.http_retries)
    HTTP_BACKOFF_SECONDS      = tostring(var.http_backoff_seconds)
    LOCK_LEASE_SECONDS        = tostring(var.lock_lease_seconds)
    LOAD_POLL_SECONDS         = tostring(var.load_poll_seconds)
    RETRY_MAX_RECEIVES        = tostring(var.retry_max_receives)
    DASHBOARD_URL_TTL_SECONDS = tostring(var.dashboard_url_ttl_seconds)
    STATE_MACHINE_ARN         = local.names.state_machine_arn
    MAX_SOURCE_BYTES          = tostring(var.max_source_bytes)
    MAX_COUNT                 = tostring(var.max_count)
    APPROVAL_SHARE            = tostring(var.approval_share)
    APPROVAL_ROWS             = tostring(var.approval_rows)
    APPROVAL_FACTOR           = tostring(var.approval_factor)
    APPROVAL_TIMEOUT_SECONDS  = tostring(var.approval_timeout_seconds)
    EVENT_BUS_NAME            = module.events.bus_name
    # From names: the warehouse's outputs would wait for the functions (its rule targets one).
    WAREHOUSE_WORKGROUP     = local.names.warehouse
    WAREHOUSE_DATABASE      = var.warehouse_database
    WAREHOUSE_COPY_ROLE_ARN = local.names.warehouse_copy_role_arn
  }

  # The functions deployed: load_warehouse only with the warehouse (its rule is the trigger).
  deployed_functions = {
    for fn, function in local.contract.functions : fn => function
    if var.enable_warehouse || fn != "load_warehouse"
  }
}

module "functions" {
  source = "./modules/functions"

  function_names     = { for fn in keys(local.deployed_functions) : fn => local.function_names[fn] }
  grants             = { for fn, function in local.deployed_functions : fn => function.grants }
  package_dir        = local.build_dir
  layer_name         = "${local.prefix}-library"
  kms_key_arn        = module.encryption.key_arn
  memory_mb          = var.lambda_memory_mb
  timeout_seconds    = var.lambda_timeout_seconds
  log_retention_days = var.log_retention_days

  resource_arns = {
    bucket         = module.storage.bucket_arn
    daily_table    = module.tables.daily_table_arn
    counties_table = module.tables.counties_table_arn
    runs_table     = module.tables.runs_table_arn
    retry_queue    = module.queues.retry_queue_arn
    retry_dlq      = module.queues.retry_dlq_arn
    status_topic   = module.notifications.topic_arn
    upload_queue   = module.queues.upload_queue_arn
    # From names: the state machine's own ARN would wait for the functions (a cycle).
    state_machine = local.names.state_machine_arn
    # SendTaskSuccess/SendTaskFailure support no resource-level permission: the task token is
    # the authority, and a statement scoped to an ARN is an implicit deny on AWS.
    task_token = "*"
    event_bus  = module.events.bus_arn
    # The warehouse's (modules/warehouse): granted only when it is on (load_warehouse's kinds).
    warehouse_workgroup = try(module.warehouse[0].workgroup_arn, "")
    warehouse_dlq       = try(module.warehouse[0].dlq_arn, "")
    # DescribeStatement supports no resource-level permission: a caller sees its own statements.
    data_api_statement = "*"
  }

  # The contract's environment, the same for every function.
  environment_variables = { for name, meaning in local.contract.environment : name => local.function_environment[name] }
}

module "glue" {
  source = "./modules/glue"

  job_name           = local.names.load_job
  grants             = local.contract.load_job.grants
  script_path        = local.glue_script
  library_path       = local.glue_library
  bucket_name        = module.storage.bucket_name
  bucket_arn         = module.storage.bucket_arn
  daily_table        = module.tables.daily_table_name
  daily_table_arn    = module.tables.daily_table_arn
  counties_table     = module.tables.counties_table_name
  counties_table_arn = module.tables.counties_table_arn
  kms_key_arn        = module.encryption.key_arn
  timeout_minutes    = var.load_job_timeout_minutes
}

module "batch" {
  source = "./modules/batch"

  name                  = local.names.rebuild_job
  grants                = local.contract.rebuild_job.grants
  image_tag             = var.rebuild_image_tag
  subnet_ids            = var.rebuild_subnet_ids
  security_group_ids    = var.rebuild_security_group_ids
  bucket_arn            = module.storage.bucket_arn
  daily_table_arn       = module.tables.daily_table_arn
  kms_key_arn           = module.encryption.key_arn
  environment_variables = module.functions.environment_variables
  log_retention_days    = var.log_retention_days
}

module "workflow" {
  source = "./modules/workflow"

  state_machine_name = local.names.state_machine
  definition_path    = local.definition
  # The functions it invokes (and may invoke): not start_from_upload.
  function_arns = { for fn in local.state_functions : fn => module.functions.function_arns[fn] }
  load_job_name = module.glue.job_name
  load_job_arn  = module.glue.job_arn
  # The Rebuild state's batch:submitJob.sync.
  rebuild_job_queue_arn      = module.batch.job_queue_arn
  rebuild_job_definition_arn = module.batch.job_definition_arn
  bucket_name                = module.storage.bucket_name
  bucket_arn                 = module.storage.bucket_arn
  kms_key_arn                = module.encryption.key_arn
  log_retention_days         = var.log_retention_days
}

module "schedule" {
  source = "./modules/schedule"

  schedule_name     = local.names.schedule
  dlq_name          = local.schedule_dlq
  state_machine_arn = module.workflow.state_machine_arn
  expression        = var.schedule_expression
  time_zone         = var.schedule_time_zone
  enabled           = var.schedule_enabled
  kms_key_arn       = module.encryption.key_arn
  account_id        = local.account_id
}

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix       = local.prefix
  topic_arn         = module.notifications.topic_arn
  state_machine_arn = module.workflow.state_machine_arn
  # Names known at plan time: for_each keys cannot wait for the queues.
  dlq_names     = [local.names.retry_dlq, local.schedule_dlq, local.names.upload_dlq, local.alerts_dlq]
  load_job_name = module.glue.job_name
  alerts_dlq    = local.alerts_dlq
  kms_key_arn   = module.encryption.key_arn
  # The operations dashboard (modules/monitoring/dashboard.tf).
  function_names = module.functions.function_names
  queue_names    = [local.names.retry_queue, local.names.upload_queue]
}

module "uploads" {
  source = "./modules/uploads"

  rule_name      = local.names.upload_rule
  bucket_name    = module.storage.bucket_name
  landing_prefix = local.landing_prefix
  queue_arn      = module.queues.upload_queue_arn
  queue_url      = module.queues.upload_queue_url
  dlq_arn        = module.queues.upload_dlq_arn
  dlq_url        = module.queues.upload_dlq_url
  function_arn   = module.functions.function_arns["start_from_upload"]
}

# The REST API: API Gateway (HTTP API, IAM auth on every route) -> the `api` function.
module "api" {
  source = "./modules/api"

  api_name               = local.api_name
  function_arn           = module.functions.function_arns["api"]
  function_name          = module.functions.function_names["api"]
  kms_key_arn            = module.encryption.key_arn
  log_retention_days     = var.log_retention_days
  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
}

# SQL over the processed zone: Glue catalog, the view `daily`, an Athena workgroup.
module "analytics" {
  source = "./modules/analytics"

  database_name        = replace("${local.prefix}_processed", "-", "_")
  workgroup_name       = local.prefix
  bucket_name          = module.storage.bucket_name
  account_id           = local.account_id
  kms_key_arn          = module.encryption.key_arn
  bytes_scanned_cutoff = var.athena_bytes_scanned_cutoff
  results_prefix       = local.athena_results_prefix
  daily_view_sql_path  = local.daily_view_sql
}

# Optional: the analysts' dashboard, a Grafana workspace behind IAM Identity Center.
module "analyst_dashboard" {
  source = "./modules/analyst_dashboard"
  count  = var.enable_analyst_dashboard ? 1 : 0

  workspace_name = "${local.prefix}-analysts"
  workgroup_arn  = module.analytics.workgroup_arn
  database_name  = module.analytics.database_name
  bucket_arn     = module.storage.bucket_arn
  results_prefix = module.analytics.results_prefix
  kms_key_arn    = module.encryption.key_arn
}

# Optional: the warehouse, Redshift Serverless loaded on each RunCompleted (docs/deploy.md).
module "warehouse" {
  source = "./modules/warehouse"
  count  = var.enable_warehouse ? 1 : 0

  name                 = local.names.warehouse
  copy_role_name       = "${local.names.warehouse}-copy"
  dlq_name             = local.names.warehouse_dlq
  database_name        = var.warehouse_database
  base_capacity        = var.warehouse_base_capacity
  subnet_ids           = var.warehouse_subnet_ids
  security_group_ids   = var.warehouse_security_group_ids
  bucket_arn           = module.storage.bucket_arn
  kms_key_arn          = module.encryption.key_arn
  bus_name             = module.events.bus_name
  loader_function_name = module.functions.function_names["load_warehouse"]
  loader_function_arn  = module.functions.function_arns["load_warehouse"]
}

# The ARN the functions were given (built from names) is the state machine's: checked after
# every plan and apply, so a change to the naming cannot break the upload trigger unnoticed.
check "state_machine_arn_from_names" {
  assert {
    condition     = module.workflow.state_machine_arn == local.names.state_machine_arn
    error_message = "STATE_MACHINE_ARN (${local.names.state_machine_arn}) is not the state machine's ARN (${module.workflow.state_machine_arn})."
  }
}
