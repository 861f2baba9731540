variable "state_machine_name" {
  type        = string
  description = "Name of the state machine and its role (<prefix>-daily)."
}

variable "definition_path" {
  type        = string
  description = "Path of statemachine.asl.json, the definition with $${name} placeholders."
}

variable "function_arns" {
  type        = map(string)
  description = "ARN of each step's Lambda function, keyed by step (the contract's state functions)."
}

variable "load_job_name" {
  type        = string
  description = "Name of the Glue load job the definition starts."
}

variable "load_job_arn" {
  type        = string
  description = "ARN of the Glue load job."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the execution log group."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the execution logs, in days."
  default     = 365
}

# etl_tools.statemachine.AWS_LOCK_WAIT: StartRun waits this long for a run holding the lock.
variable "lock_wait_interval_seconds" {
  type        = number
  description = "First wait of StartRun's retry on RunInProgress (doubling, full jitter)."
  default     = 60
}

variable "lock_wait_max_attempts" {
  type        = number
  description = "Retries of StartRun on RunInProgress before the run fails, recorded and emailed."
  default     = 6
}

variable "lock_wait_max_delay_seconds" {
  type        = number
  description = "Longest single wait of StartRun's retry on RunInProgress."
  default     = 900
}

variable "rebuild_job_queue_arn" {
  type        = string
  description = "ARN of the Rebuild job's Batch job queue."
}

variable "rebuild_job_definition_arn" {
  type        = string
  description = "ARN of the Rebuild job's Batch job definition, without a revision."
}

variable "bucket_name" {
  type        = string
  description = "The data bucket: the distributed Map reads each run's outcome CSV from it."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data bucket (the Map's ItemReader reads staged/)."
}
