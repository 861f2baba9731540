variable "rule_name" {
  type        = string
  description = "Name of the EventBridge rule matching uploads (<prefix>-uploads)."
}

variable "bucket_name" {
  type        = string
  description = "The data bucket, which sends its object events to EventBridge."
}

variable "landing_prefix" {
  type        = string
  description = "Key prefix of uploaded files (covid_etl.uploads.LANDING_PREFIX)."
}

variable "queue_arn" {
  type        = string
  description = "ARN of the upload queue, the rule's target and the function's event source."
}

variable "queue_url" {
  type        = string
  description = "URL of the upload queue, for its access policy."
}

variable "function_arn" {
  type        = string
  description = "ARN of start_from_upload, which consumes the upload queue."
}

variable "dlq_arn" {
  type        = string
  description = "ARN of the upload DLQ: where the rule parks events it could not deliver."
}

variable "dlq_url" {
  type        = string
  description = "URL of the upload DLQ, for its queue policy."
}
