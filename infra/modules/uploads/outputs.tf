output "rule_name" {
  description = "Name of the EventBridge rule matching uploads."
  value       = aws_cloudwatch_event_rule.uploads.name
}
