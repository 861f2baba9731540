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
  description = "Deployed Lambda function name of each function of the contract (covid_etl/contract.json), keyed by that name."
}

variable "queue_names" {
  type        = list(string)
  description = "Work queues charted next to the dead-letter queues (dlq_names): the retry queue and the upload queue."
}

variable "alerts_dlq" {
  type        = string
  description = "Name of the queue the Glue failure rule parks undeliverable events in."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline key, encrypting the alerts DLQ."
}
