variable "dataset_tables" {
  type = map(object({
    name = string
    key  = list(string)
  }))
  description = "Each dataset's table (daily, counties): its name and key attributes, partition then sort (the contract's dataset_tables)."

  validation {
    condition     = alltrue([for table in values(var.dataset_tables) : length(table.key) >= 1 && length(table.key) <= 2])
    error_message = "A DynamoDB key is a partition attribute and at most one sort attribute."
  }
}

variable "runs_table_name" {
  type        = string
  description = "Name of the table of run records and the run lock (partition key pk)."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key the tables are encrypted with."
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the tables until this is turned off."
  default     = true
}
