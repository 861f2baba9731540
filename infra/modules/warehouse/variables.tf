variable "name" {
  type        = string
  description = "Name of the namespace, the workgroup and the RunCompleted rule (<prefix>-warehouse)."
}

variable "copy_role_name" {
  type        = string
  description = "Name of the role Redshift assumes for COPY (the contract's warehouse_copy_role_arn ends with it)."
}

variable "dlq_name" {
  type        = string
  description = "Name of the queue of RunCompleted events the loader could not take or failed on."
}

variable "database_name" {
  type        = string
  description = "Database the loader creates its table in."
  default     = "covid"
}

variable "admin_username" {
  type        = string
  description = "Admin user of the namespace; Redshift generates its password into Secrets Manager."
  default     = "warehouse_admin"
}

variable "base_capacity" {
  type        = number
  description = "Base capacity of the workgroup in RPUs: 8 to 512 in steps of 8 (Redshift Serverless)."
  default     = 8

  validation {
    condition     = var.base_capacity >= 8 && var.base_capacity <= 512 && var.base_capacity % 8 == 0
    error_message = "base_capacity: 8 to 512 RPUs, in steps of 8 (Redshift Serverless' range)."
  }
}

variable "max_rpu_hours_per_day" {
  type        = number
  description = "RPU-hours a day past which the workgroup stops user queries (the cost cap)."
  default     = 8
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the workgroup: at least three, in three Availability Zones (Redshift Serverless' rule)."

  validation {
    condition     = length(distinct(var.subnet_ids)) >= 3
    error_message = "subnet_ids: at least three subnets, spanning three Availability Zones (Redshift Serverless requires it)."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the workgroup's endpoint (no public ingress: the workgroup is not publicly accessible)."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data bucket: COPY reads processed/ only."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline's key: the namespace, the admin secret, the queue and the processed zone."
}

variable "bus_name" {
  type        = string
  description = "The pipeline's event bus (RunCompleted)."
}

variable "event_source" {
  type        = string
  description = "Source of the pipeline's events (covid_etl.events.SOURCE)."
  default     = "covid-etl"
}

variable "loader_function_name" {
  type        = string
  description = "Name of the load_warehouse function."
}

variable "loader_function_arn" {
  type        = string
  description = "ARN of the load_warehouse function (the rule's target)."
}
