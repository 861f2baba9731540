variable "project" {
  type        = string
  description = "Project name, the first part of every resource name (the contract's project)."
  default     = "covid-etl"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project: 2-21 lowercase letters, digits or hyphens (it goes into S3 bucket names)."
  }
}

variable "environment" {
  type        = string
  description = "Environment name (dev, prod, ...), the second part of every resource name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment: 2-10 lowercase letters or digits."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the whole stack."
  default     = "us-east-1"
}

variable "notification_emails" {
  type        = list(string)
  description = "Addresses subscribed to the run status topic; each must confirm the email AWS sends."
  default     = []
}

variable "schedule_expression" {
  type        = string
  description = "When the daily run starts: an EventBridge Scheduler cron() or rate() expression."
  default     = "cron(0 7 * * ? *)"
}

variable "schedule_time_zone" {
  type        = string
  description = "IANA time zone the schedule expression is read in."
  default     = "America/New_York"
}

variable "schedule_enabled" {
  type        = bool
  description = "Whether the daily schedule starts runs (false keeps it, disabled)."
  default     = true
}

variable "run_data_retention_days" {
  type        = number
  description = "Days raw/, staged/, rejects/ and failures/ objects of a run are kept; snapshot/, state/ and dashboard/ are kept for good."
  default     = 90
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten or deleted object version of the data bucket is kept."
  default     = 30
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the CloudWatch log groups of the functions and the state machine."
  default     = 365
}

variable "force_destroy_data" {
  type        = bool
  description = "Let `terraform destroy` delete a non-empty data bucket (for throwaway environments only)."
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the DynamoDB tables against deletion (turn off before destroying an environment)."
  default     = true
}

variable "lambda_memory_mb" {
  type        = number
  description = "Memory of each Lambda function, in MB."
  default     = 256
}

variable "lambda_timeout_seconds" {
  type        = number
  description = "Timeout of each Lambda function, in seconds (the HTTP extract is the slowest step)."
  default     = 180
}

variable "load_job_timeout_minutes" {
  type        = number
  description = "Timeout of one Glue load job run, in minutes."
  default     = 30
}

# The Rebuild job (AWS Batch on Fargate, modules/batch): the account's network and the image.
variable "rebuild_subnet_ids" {
  type        = list(string)
  description = "Private subnets of the Rebuild job's Fargate tasks (docs/deploy.md)."

  validation {
    condition     = length(var.rebuild_subnet_ids) > 0
    error_message = "Set rebuild_subnet_ids in the environment's .tfvars: private subnets of this account's VPC (docs/deploy.md)."
  }
}

variable "rebuild_security_group_ids" {
  type        = list(string)
  description = "Security groups of the Rebuild job's Fargate tasks, egress to S3, DynamoDB and ECR only (docs/deploy.md)."

  validation {
    condition     = length(var.rebuild_security_group_ids) > 0
    error_message = "Set rebuild_security_group_ids in the environment's .tfvars (docs/deploy.md)."
  }
}

variable "rebuild_image_tag" {
  type        = string
  description = "Tag of the Rebuild job's image pushed to its ECR repository (immutable tags: one per build; docs/deploy.md)."

  validation {
    condition     = length(var.rebuild_image_tag) > 0
    error_message = "Set rebuild_image_tag to the tag of the image pushed to the rebuild repository (docs/deploy.md)."
  }
}

variable "retry_max_receives" {
  type        = number
  description = "Receives of a failed record from the retry queue before it moves to the dead-letter queue."
  default     = 3
}

variable "upload_max_receives" {
  type        = number
  description = "Receives of an upload event (start_from_upload failed on it) before it moves to the upload DLQ."
  default     = 5
}

variable "nyt_url" {
  type        = string
  description = "URL of the NYT us.csv (NYT_URL)."
  default     = "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv"
}

variable "jhu_url" {
  type        = string
  description = "URL of the datasets/covid-19 time-series-19-covid-combined.csv (JHU_URL)."
  default     = "https://raw.githubusercontent.com/datasets/covid-19/main/data/time-series-19-covid-combined.csv"
}

variable "http_timeout_seconds" {
  type        = number
  description = "Connect and read timeout of one HTTP attempt (HTTP_TIMEOUT_SECONDS)."
  default     = 20
}

variable "http_retries" {
  type        = number
  description = "Retries of an HTTP GET on timeouts, connection errors and 5xx (HTTP_RETRIES)."
  default     = 4
}

variable "http_backoff_seconds" {
  type        = number
  description = "Backoff factor between HTTP retries (HTTP_BACKOFF_SECONDS)."
  default     = 1
}

variable "lock_lease_seconds" {
  type        = number
  description = "Lease of the run lock; an expired lock is taken over (LOCK_LEASE_SECONDS)."
  default     = 3600
}

variable "load_poll_seconds" {
  type        = number
  description = "Wait between two polls of the Glue load job (LOAD_POLL_SECONDS)."
  default     = 30
}

variable "dashboard_url_ttl_seconds" {
  type        = number
  description = "Lifetime of the presigned dashboard link in the status email (DASHBOARD_URL_TTL_SECONDS). The link dies with the role session of the function that signed it, whatever this says, so it is short."
  default     = 3600
}

variable "max_source_bytes" {
  type        = number
  description = "0, or a cap on every dataset's own source size limit (10 MB for us, 1 GB for us-counties); a bigger file fails the run before it is stored (MAX_SOURCE_BYTES)."
  default     = 0
}

variable "max_count" {
  type        = number
  description = "Largest plausible count, capped at int64; a row above it is rejected (MAX_COUNT)."
  default     = 1000000000
}

variable "approval_share" {
  type        = number
  description = "A delta revising more than this share of the loaded days waits for an operator's approval (APPROVAL_SHARE)."
  default     = 0.05
  validation {
    condition     = var.approval_share >= 0 && var.approval_share <= 1
    error_message = "approval_share is a share: between 0 and 1."
  }
}

variable "approval_rows" {
  type        = number
  description = "A delta revising more than this many days waits for an operator's approval (APPROVAL_ROWS)."
  default     = 100
}

variable "approval_factor" {
  type        = number
  description = "A delta lowering a cumulative count by more than this factor (before / after) waits for approval (APPROVAL_FACTOR)."
  default     = 2
  validation {
    condition     = var.approval_factor >= 1
    error_message = "approval_factor is before / after of a lowered count: 1 or more."
  }
}

variable "approval_timeout_seconds" {
  type        = number
  description = "A run waiting for approval longer than this is rejected by timeout and notified (APPROVAL_TIMEOUT_SECONDS, the RequestApproval state's timeout)."
  default     = 86400
  validation {
    # A Standard execution lasts at most a year; the paused run holds the lock meanwhile.
    condition     = var.approval_timeout_seconds >= 1 && var.approval_timeout_seconds <= 31536000
    error_message = "approval_timeout_seconds is between 1 and 31536000 (a year, a Standard execution's limit)."
  }
}

variable "athena_bytes_scanned_cutoff" {
  type        = number
  description = "Bytes one Athena query in the pipeline's workgroup may scan before it is cancelled (minimum 10,000,000)."
  default     = 1073741824 # 1 GiB: the whole processed zone is a few MB a year
}

variable "enable_analyst_dashboard" {
  type        = bool
  description = "Create the analysts' Grafana workspace (needs IAM Identity Center in the account)."
  default     = false
}

variable "api_throttling_rate_limit" {
  type        = number
  description = "Steady requests per second the REST API accepts on each route before answering 429."
  default     = 10
}

variable "api_throttling_burst_limit" {
  type        = number
  description = "Requests the REST API accepts in a burst on each route before answering 429."
  default     = 20
}

variable "subscribers" {
  type = list(object({
    name    = string
    url     = string
    pattern = optional(any)
    auth = object({
      type      = string
      header    = optional(string)
      token_url = optional(string)
      client_id = optional(string)
    })
  }))
  description = "Subscriptions to the pipeline's events (modules/subscribers); locally the same objects in <state dir>/subscribers.json."
  default     = []
}

variable "subscriber_secrets" {
  type        = map(string)
  description = "Per subscriber name: its API key or OAuth client secret (kept by EventBridge in Secrets Manager)."
  sensitive   = true
  default     = {}
}

variable "athena_results_retention_days" {
  type        = number
  description = "Days Athena's query results (athena-results/ in the data bucket) are kept: a result is re-created by running its query again."
  default     = 7
}

variable "enable_warehouse" {
  type        = bool
  description = "Create the warehouse: Redshift Serverless loaded on each RunCompleted by load_warehouse (docs/deploy.md: what it costs)."
  default     = false
}

variable "warehouse_database" {
  type        = string
  description = "Database of the warehouse's table daily."
  default     = "covid"
}

variable "warehouse_base_capacity" {
  type        = number
  description = "Base capacity of the warehouse workgroup in RPUs (8 to 512, steps of 8)."
  default     = 8
}

variable "warehouse_subnet_ids" {
  type        = list(string)
  description = "Private subnets of the warehouse workgroup (three, in three Availability Zones); needed when enable_warehouse."
  default     = []
}

variable "warehouse_security_group_ids" {
  type        = list(string)
  description = "Security groups of the warehouse workgroup's endpoint."
  default     = []
}
