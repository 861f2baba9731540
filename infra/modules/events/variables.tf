variable "bus_name" {
  type        = string
  description = "Name of the pipeline's event bus (etl_tools.naming.Names.event_bus)."
}

variable "kms_key_arn" {
  type        = string
  description = "The pipeline's key: encrypts the bus's events and its archive."
}

variable "archive_retention_days" {
  type        = number
  description = "Days the archive keeps the bus's events for replays."
  default     = 30
}
