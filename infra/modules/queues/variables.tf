variable "retry_queue_name" {
  type        = string
  description = "Name of the queue of records to retry."
}

variable "retry_dlq_name" {
  type        = string
  description = "Name of the retry queue's dead-letter queue."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key the queues are encrypted with."
}

variable "max_receives" {
  type        = number
  description = "Receives of a message before it moves to the dead-letter queue (redrive maxReceiveCount)."
  default     = 3
}

variable "visibility_timeout_seconds" {
  type        = number
  description = "Default visibility timeout; the functions set their own on each receive."
  default     = 300
}
