output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value = concat(
    [aws_cloudwatch_metric_alarm.executions_failed.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.dlq_not_empty : alarm.alarm_name],
  )
}

output "load_job_failed_rule" {
  description = "EventBridge rule that notifies Glue load job failures."
  value       = aws_cloudwatch_event_rule.load_job_failed.name
}
