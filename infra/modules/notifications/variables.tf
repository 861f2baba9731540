variable "topic_name" {
  type        = string
  description = "Name of the status topic."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key the topic is encrypted with."
}

variable "account_id" {
  type        = string
  description = "The account whose alarms and rules may publish to the topic."
}

variable "emails" {
  type        = list(string)
  description = "Email addresses subscribed to the topic."
  default     = []
}
