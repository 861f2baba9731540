variable "grants" {
  type        = list(tuple([string, string, string]))
  description = "(IAM action, resource kind, S3 key prefix or \"\") triples, as in covid_etl/contract.json."
}

variable "resource_arns" {
  type        = map(string)
  description = "ARN of each resource kind the grants name (bucket, daily_table, runs_table, ...)."
}
