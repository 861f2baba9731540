variable "function_names" {
  type        = map(string)
  description = "Lambda function name of each step, keyed by its lambdas/ folder name."
}

variable "grants" {
  type        = map(list(list(string)))
  description = "What each function's handler calls, keyed like function_names: the contract's grants (covid_etl/contract.json)."
}

variable "package_dir" {
  type        = string
  description = "Folder `make package` builds into: functions/<step>.zip and layer.zip."
}

variable "layer_name" {
  type        = string
  description = "Name of the layer holding the covid_etl library."
}

variable "resource_arns" {
  type        = map(string)
  description = "ARN of each resource kind the grants name: bucket, daily_table, counties_table, runs_table, retry_queue, retry_dlq, status_topic, upload_queue, state_machine, task_token (\"*\": SendTask* take no resource ARN)."
}

variable "environment_variables" {
  type        = map(string)
  description = "Environment of every function: the contract's environment (covid_etl/contract.json)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the environment variables, the log groups and the data the functions touch."
}

variable "memory_mb" {
  type        = number
  description = "Memory of each function, in MB."
  default     = 256
}

variable "timeout_seconds" {
  type        = number
  description = "Timeout of each function, in seconds."
  default     = 180
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' log groups, in days."
  default     = 365
}
