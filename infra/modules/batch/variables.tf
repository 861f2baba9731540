variable "grants" {
  type        = list(list(string))
  description = "What the job's code calls: the contract's rebuild_job grants (covid_etl/contract.json)."
}

variable "name" {
  type        = string
  description = "Name of the job's compute environment, queue, job definition, ECR repository and job role (<prefix>-rebuild)."
}

variable "image_tag" {
  type        = string
  description = "Tag of the job's image in its ECR repository (tags are immutable: one per build)."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the Fargate tasks run in (they reach S3 and DynamoDB through the VPC's endpoints or NAT)."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the Fargate tasks (egress to S3 and DynamoDB only)."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data bucket (staged/ and snapshot/)."
}

variable "daily_table_arn" {
  type        = string
  description = "ARN of the daily table the job scans."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the bucket, the table, the image repository and the job's logs."
}

variable "environment_variables" {
  type        = map(string)
  description = "covid_etl.settings.ENVIRONMENT_VARIABLES for the container, as the functions get them."
}

variable "vcpus" {
  type        = number
  description = "vCPUs of one job (a Fargate size)."
  default     = 1
}

variable "memory_mb" {
  type        = number
  description = "Memory of one job in MiB (a Fargate size for the vCPUs)."
  default     = 4096
}

variable "max_vcpus" {
  type        = number
  description = "Most vCPUs the compute environment runs at once (one rebuild at a time needs vcpus)."
  default     = 4
}

variable "timeout_seconds" {
  type        = number
  description = "Timeout of one job attempt, in seconds."
  default     = 3600
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the job's logs, in days."
  default     = 365
}

variable "images_kept" {
  type        = number
  description = "Images the repository keeps (the newest); older ones expire."
  default     = 10
}
