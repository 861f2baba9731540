output "schedule_name" {
  description = "Name of the schedule."
  value       = aws_scheduler_schedule.daily.name
}

output "dlq_name" {
  description = "Name of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_arn" {
  description = "ARN of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}
