output "data_bucket" {
  description = "S3 bucket of the runs' files (landing/, raw/, staged/, rejects/, failures/, snapshot/, state/, dashboard/, processed/)."
  value       = module.storage.bucket_name
}

output "daily_table" {
  description = "DynamoDB table of the loaded days."
  value       = module.tables.daily_table_name
}

output "runs_table" {
  description = "DynamoDB table of run records and the run lock."
  value       = module.tables.runs_table_name
}

output "retry_queue_url" {
  description = "SQS queue of records that failed to load."
  value       = module.queues.retry_queue_url
}

output "retry_queue_arn" {
  description = "ARN of the retry queue: the destination `etl redrive` moves the retry DLQ's messages to."
  value       = module.queues.retry_queue_arn
}

output "retry_dlq_url" {
  description = "Dead-letter queue of the retry queue."
  value       = module.queues.retry_dlq_url
}

output "retry_dlq_arn" {
  description = "ARN of the retry queue's dead-letter queue: the source of `etl redrive` (SQS StartMessageMoveTask)."
  value       = module.queues.retry_dlq_arn
}

output "upload_landing" {
  description = "Where an upload starts a run: s3://<data bucket>/landing/<nyt|jhu>/<file>."
  value       = "s3://${module.storage.bucket_name}/${local.landing_prefix}"
}

output "upload_queue_url" {
  description = "SQS queue buffering upload events for start_from_upload."
  value       = module.queues.upload_queue_url
}

output "upload_queue_arn" {
  description = "ARN of the upload queue."
  value       = module.queues.upload_queue_arn
}

output "upload_dlq_url" {
  description = "Dead-letter queue of the upload queue (uploads start_from_upload failed on)."
  value       = module.queues.upload_dlq_url
}

output "upload_dlq_arn" {
  description = "ARN of the upload queue's dead-letter queue (a message-move task returns its messages to the upload queue)."
  value       = module.queues.upload_dlq_arn
}

output "upload_rule_name" {
  description = "EventBridge rule sending the data bucket's Object Created events under landing/ to the upload queue."
  value       = module.uploads.rule_name
}

output "status_topic_arn" {
  description = "SNS topic of the status email."
  value       = module.notifications.topic_arn
}

output "state_machine_arn" {
  description = "The daily workflow; start an execution by hand with `aws stepfunctions start-execution`."
  value       = module.workflow.state_machine_arn
}

output "schedule_name" {
  description = "EventBridge Scheduler schedule that starts the daily run."
  value       = module.schedule.schedule_name
}

output "load_job_name" {
  description = "Glue Python-shell job that loads a run's delta into DynamoDB."
  value       = module.glue.job_name
}

output "function_names" {
  description = "Lambda function name of each step."
  value       = module.functions.function_names
}

output "kms_key_arn" {
  description = "The customer-managed key that encrypts the pipeline's data, queues, topic and logs."
  value       = module.encryption.key_arn
}

output "athena_workgroup" {
  description = "Athena workgroup for SQL over the processed zone (tables processed and daily)."
  value       = module.analytics.workgroup_name
}

output "analytics_database" {
  description = "Glue Data Catalog database holding the tables processed and daily."
  value       = module.analytics.database_name
}

output "analyst_dashboard_url" {
  description = "The analysts' Grafana workspace (IAM Identity Center sign-in), or null when disabled."
  value       = one(module.analyst_dashboard[*].workspace_url)
}

output "api_endpoint" {
  description = "Base URL of the REST API: sign requests with SigV4 (service execute-api)."
  value       = module.api.api_endpoint
}

output "api_operator_policy_arn" {
  description = "IAM policy to attach to operators of the REST API: every route."
  value       = module.api.operator_policy_arn
}

output "api_read_only_policy_arn" {
  description = "IAM policy to attach to readers of the REST API: the GET routes only."
  value       = module.api.read_only_policy_arn
}

output "warehouse_workgroup" {
  description = "The warehouse's Redshift Serverless workgroup, or null when disabled."
  value       = one(module.warehouse[*].workgroup_name)
}

output "warehouse_admin_secret_arn" {
  description = "Secret of the warehouse admin password (Redshift manages it), or null when disabled."
  value       = one(module.warehouse[*].admin_secret_arn)
}

output "warehouse_dlq_url" {
  description = "Queue of RunCompleted events the warehouse loader could not load, or null when disabled."
  value       = one(module.warehouse[*].dlq_url)
}
