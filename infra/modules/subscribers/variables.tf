variable "name_prefix" {
  type        = string
  description = "Prefix of every resource's name (<project>-<environment>)."
}

variable "bus_name" {
  type        = string
  description = "The pipeline's event bus (modules/events)."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline's key: encrypts the subscribers' dead-letter queues."
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
  description = "The subscriptions: name, endpoint URL, optional event pattern (default: every event of the pipeline), auth (API_KEY with its header, or OAUTH_CLIENT_CREDENTIALS with token_url and client_id)."
  default     = []

  validation {
    condition = alltrue([
      for s in var.subscribers :
      (s.auth.type == "API_KEY" && s.auth.header != null) ||
      (s.auth.type == "OAUTH_CLIENT_CREDENTIALS" && s.auth.token_url != null && s.auth.client_id != null)
    ])
    error_message = "Each subscriber's auth is API_KEY with a header, or OAUTH_CLIENT_CREDENTIALS with token_url and client_id."
  }

  validation {
    condition     = alltrue([for s in var.subscribers : startswith(s.url, "https://")])
    error_message = "API destinations call HTTPS endpoints only."
  }
}

variable "secrets" {
  type        = map(string)
  description = "Per subscriber name: its API key or OAuth client secret. EventBridge keeps it in Secrets Manager (the connection's secret); it is never in the state machine or the functions."
  sensitive   = true
  default     = {}
}

variable "rate_limit_per_second" {
  type        = number
  description = "Most calls per second to one subscriber's endpoint."
  default     = 50
}

variable "max_retry_attempts" {
  type        = number
  description = "EventBridge's retries of an event a subscriber did not accept (429 and 5xx)."
  default     = 24
}

variable "max_event_age_seconds" {
  type        = number
  description = "How long EventBridge keeps retrying an event before it goes to the DLQ."
  default     = 86400
}
