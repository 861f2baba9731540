output "database_name" {
  description = "Glue Data Catalog database of the processed zone."
  value       = aws_glue_catalog_database.analytics.name
}

output "workgroup_name" {
  description = "Athena workgroup to query it with."
  value       = aws_athena_workgroup.analytics.name
}

output "results_location" {
  description = "Where Athena writes query results (SSE-KMS with the pipeline's key)."
  value       = aws_athena_workgroup.analytics.configuration[0].result_configuration[0].output_location
}

output "workgroup_arn" {
  description = "ARN of the Athena workgroup."
  value       = aws_athena_workgroup.analytics.arn
}

output "results_prefix" {
  description = "Prefix of the query results in the data bucket."
  value       = var.results_prefix
}
