output "function_arns" {
  description = "ARN of each function, keyed by step."
  value       = { for step, function in aws_lambda_function.step : step => function.arn }
}

output "function_names" {
  description = "Name of each function, keyed by step."
  value       = { for step, function in aws_lambda_function.step : step => function.function_name }
}

output "role_arns" {
  description = "ARN of each function's role, keyed by step."
  value       = { for step, role in aws_iam_role.function : step => role.arn }
}

output "environment_variables" {
  description = "The environment every function gets (the Rebuild job's container gets the same)."
  value       = var.environment_variables
}
