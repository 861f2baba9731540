# Inputs of the operations dashboard (dashboard.tf) on top of the alarms' variables.

variable "function_names" {
  type        = map(string)
  description = "Deployed Lambda function name of each function in covid_etl.naming.FUNCTIONS, keyed by that name."
}

variable "retry_queue_name" {
  type        = string
  description = "The SQS retry queue of records that failed to load; its dead-letter queue is in dlq_names."
}
