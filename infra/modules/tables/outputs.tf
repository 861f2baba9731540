output "daily_table_name" {
  description = "Name of the table of loaded days."
  value       = aws_dynamodb_table.daily.name
}

output "daily_table_arn" {
  description = "ARN of the table of loaded days."
  value       = aws_dynamodb_table.daily.arn
}

output "counties_table_name" {
  description = "Name of the table of the us-counties dataset."
  value       = aws_dynamodb_table.counties.name
}

output "counties_table_arn" {
  description = "ARN of the table of the us-counties dataset."
  value       = aws_dynamodb_table.counties.arn
}

output "runs_table_name" {
  description = "Name of the run table."
  value       = aws_dynamodb_table.runs.name
}

output "runs_table_arn" {
  description = "ARN of the run table."
  value       = aws_dynamodb_table.runs.arn
}
