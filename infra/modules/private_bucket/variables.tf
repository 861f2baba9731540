variable "bucket_id" {
  type        = string
  description = "Name of the bucket the settings apply to."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the same bucket (the policy's resources)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the bucket's default encryption."
}
