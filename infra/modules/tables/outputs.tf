output "daily_table_name" {
  description = "Name of the table of loaded days."
  value       = aws_dynamodb_table.dataset["daily"].name
}

output "daily_table_arn" {
  description = "ARN of the table of loaded days."
  value       = aws_dynamodb_table.dataset["daily"].arn
}

output "counties_table_name" {
  description = "Name of the table of the us-counties dataset."
  value       = aws_dynamodb_table.dataset["counties"].name
}

output "counties_table_arn" {
  description = "ARN of the table of the us-counties dataset."
  value       = aws_dynamodb_table.dataset["counties"].arn
}

output "runs_table_name" {
  description = "Name of the run table."
  value       = aws_dynamodb_table.runs.name
}

output "runs_table_arn" {
  description = "ARN of the run table."
  value       = aws_dynamodb_table.runs.arn
}
