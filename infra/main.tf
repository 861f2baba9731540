# The whole pipeline: EventBridge Scheduler -> Step Functions -> Lambda functions + a Glue
# Python-shell job -> DynamoDB, with S3 for the files of a run, SQS for records to retry and
# SNS for the status email. Every name comes from locals.tf.

module "encryption" {
  source = "./modules/encryption"

  name_prefix = local.prefix
  account_id  = local.account_id
  partition   = data.aws_partition.current.partition
  region      = var.region
}

module "storage" {
  source = "./modules/storage"

  bucket_name                       = local.names.data_bucket
  kms_key_arn                       = module.encryption.key_arn
  run_data_retention_days           = var.run_data_retention_days
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  force_destroy                     = var.force_destroy_data
}

module "tables" {
  source = "./modules/tables"

  daily_table_name    = local.names.daily_table
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
}

module "notifications" {
  source = "./modules/notifications"

  topic_name  = local.names.status_topic
  kms_key_arn = module.encryption.key_arn
  account_id  = local.account_id
  emails      = var.notification_emails
}

module "functions" {
  source = "./modules/functions"

  function_names     = local.function_names
  package_dir        = local.build_dir
  layer_name         = "${local.prefix}-library"
  kms_key_arn        = module.encryption.key_arn
  memory_mb          = var.lambda_memory_mb
  timeout_seconds    = var.lambda_timeout_seconds
  log_retention_days = var.log_retention_days

  resource_arns = {
    bucket       = module.storage.bucket_arn
    daily_table  = module.tables.daily_table_arn
    runs_table   = module.tables.runs_table_arn
    retry_queue  = module.queues.retry_queue_arn
    retry_dlq    = module.queues.retry_dlq_arn
    status_topic = module.notifications.topic_arn
  }

  # covid_etl.settings.ENVIRONMENT_VARIABLES, the same for every function.
  environment_variables = {
    DATA_BUCKET               = module.storage.bucket_name
    DAILY_TABLE               = module.tables.daily_table_name
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
  }
}

module "glue" {
  source = "./modules/glue"

  job_name        = local.names.load_job
  script_path     = local.glue_script
  bucket_name     = module.storage.bucket_name
  bucket_arn      = module.storage.bucket_arn
  daily_table     = module.tables.daily_table_name
  daily_table_arn = module.tables.daily_table_arn
  kms_key_arn     = module.encryption.key_arn
  timeout_minutes = var.load_job_timeout_minutes
}

module "workflow" {
  source = "./modules/workflow"

  state_machine_name = local.names.state_machine
  definition_path    = local.definition
  function_arns      = module.functions.function_arns
  load_job_name      = module.glue.job_name
  load_job_arn       = module.glue.job_arn
  kms_key_arn        = module.encryption.key_arn
  log_retention_days = var.log_retention_days
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
  dlq_names     = [local.names.retry_dlq, local.schedule_dlq]
  load_job_name = module.glue.job_name
  # The operations dashboard (modules/monitoring/dashboard.tf).
  function_names   = local.function_names
  retry_queue_name = local.names.retry_queue
}
