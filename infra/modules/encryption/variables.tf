variable "name_prefix" {
  type        = string
  description = "Prefix of the key's alias and description (<project>-<environment>)."
}

variable "account_id" {
  type        = string
  description = "AWS account that owns the key."
}

variable "partition" {
  type        = string
  description = "AWS partition of the account (aws, aws-cn, aws-us-gov)."
}

variable "region" {
  type        = string
  description = "Region of the key and of the log groups it encrypts."
}

variable "deletion_window_days" {
  type        = number
  description = "Days between scheduling the key's deletion and the deletion."
  default     = 30
}

variable "account_key_actions" {
  type        = list(string)
  description = "What the account (its IAM policies) may do with the key: administration and use, listed one by one."
  default = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]
}

variable "status_topic_arn" {
  type        = string
  description = "ARN of the status topic (from names: the topic waits for the key), which alarms and rules publish to."
}

variable "event_queue_arns" {
  type        = list(string)
  description = "ARNs of the queues EventBridge rules send to (targets and their DLQs), from names."
}

variable "event_bus_arn" {
  type        = string
  description = "ARN of the pipeline's event bus, built from names (the bus needs the key first)."
}
