output "topic_arn" {
  description = "ARN of the status topic."
  value       = aws_sns_topic.status.arn
}
