variable "api_name" {
  type        = string
  description = "Name of the HTTP API, its access log group and its caller policies (<prefix>-api)."
}

variable "function_arn" {
  type        = string
  description = "ARN of the `api` Lambda function every route proxies to."
}

variable "function_name" {
  type        = string
  description = "Name of the `api` Lambda function (for the invoke permission)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the access log group."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the access logs, in days."
  default     = 365
}

variable "throttling_rate_limit" {
  type        = number
  description = "Steady requests per second the stage accepts on each route before answering 429."
  default     = 10
}

variable "throttling_burst_limit" {
  type        = number
  description = "Requests the stage accepts in a burst on each route before answering 429."
  default     = 20
}
