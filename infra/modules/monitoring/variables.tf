variable "name_prefix" {
  type        = string
  description = "Prefix of the alarm and rule names (<project>-<environment>)."
}

variable "topic_arn" {
  type        = string
  description = "SNS topic the alarms notify."
}

variable "state_machine_arn" {
  type        = string
  description = "The daily workflow whose unsuccessful executions raise an alarm."
}

variable "dlq_names" {
  type        = list(string)
  description = "Dead-letter queues that raise an alarm when not empty."
}

variable "load_job_name" {
  type        = string
  description = "The Glue load job whose failures are notified."
}

variable "period_seconds" {
  type        = number
  description = "Period of the alarms' metrics, in seconds."
  default     = 300
}

variable "function_names" {
  type        = map(string)
  description = "Deployed Lambda function name of each function in covid_etl.naming.FUNCTIONS, keyed by that name."
}

variable "retry_queue_name" {
  type        = string
  description = "The SQS retry queue of records that failed to load; its dead-letter queue is in dlq_names."
}
