output "dlq_urls" {
  description = "Per subscriber name: its dead-letter queue's URL (what `etl replay` drains)."
  value       = { for name, q in aws_sqs_queue.dlq : name => q.id }
}

output "dlq_arns" {
  description = "Per subscriber name: its dead-letter queue's ARN."
  value       = { for name, q in aws_sqs_queue.dlq : name => q.arn }
}
