variable "schedule_name" {
  type        = string
  description = "Name of the schedule (<prefix>-daily); its role is <name>-schedule."
}

variable "dlq_name" {
  type        = string
  description = "Name of the queue that keeps starts the scheduler could not deliver."
}

variable "state_machine_arn" {
  type        = string
  description = "The state machine the schedule starts."
}

variable "expression" {
  type        = string
  description = "cron() or rate() expression of the schedule."
}

variable "time_zone" {
  type        = string
  description = "IANA time zone the expression is read in."
}

variable "enabled" {
  type        = bool
  description = "Whether the schedule starts runs."
  default     = true
}

variable "max_retries" {
  type        = number
  description = "Retries of a start that failed (throttling, service errors)."
  default     = 5
}

variable "max_event_age_seconds" {
  type        = number
  description = "How long a failed start is retried before it goes to the DLQ, in seconds."
  default     = 3600
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the schedule's input and of the DLQ."
}

variable "account_id" {
  type        = string
  description = "The account whose scheduler may assume the role."
}
