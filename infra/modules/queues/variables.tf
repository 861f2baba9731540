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

variable "upload_queue_name" {
  type        = string
  description = "Name of the queue buffering upload events for start_from_upload."
}

variable "upload_dlq_name" {
  type        = string
  description = "Name of the upload queue's dead-letter queue."
}

variable "upload_max_receives" {
  type        = number
  description = "Receives of an upload event before it moves to the upload DLQ (redrive maxReceiveCount)."
  default     = 5
}

variable "upload_consumer_timeout_seconds" {
  type        = number
  description = "Timeout of the function consuming the upload queue; the visibility timeout is six times it."

  validation {
    condition     = var.upload_consumer_timeout_seconds >= 1 && 6 * var.upload_consumer_timeout_seconds <= 43200
    error_message = "upload_consumer_timeout_seconds: 1 to 7200 (SQS caps the visibility timeout at 12 hours)."
  }
}
