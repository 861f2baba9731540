output "api_endpoint" {
  description = "Base URL of the API (sign requests with SigV4, service execute-api)."
  value       = aws_apigatewayv2_api.api.api_endpoint
}

output "operator_policy_arn" {
  description = "Managed policy to attach to operators: every route."
  value       = aws_iam_policy.operator.arn
}

output "read_only_policy_arn" {
  description = "Managed policy to attach to readers: the GET routes only."
  value       = aws_iam_policy.read_only.arn
}
