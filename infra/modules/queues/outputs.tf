output "retry_queue_url" {
  description = "URL of the retry queue."
  value       = aws_sqs_queue.retry.url
}

output "retry_queue_arn" {
  description = "ARN of the retry queue."
  value       = aws_sqs_queue.retry.arn
}

output "retry_dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.retry_dlq.url
}

output "retry_dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.retry_dlq.arn
}

output "retry_dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.retry_dlq.name
}

output "upload_queue_url" {
  description = "URL of the upload queue."
  value       = aws_sqs_queue.upload.url
}

output "upload_queue_arn" {
  description = "ARN of the upload queue."
  value       = aws_sqs_queue.upload.arn
}

output "upload_dlq_url" {
  description = "URL of the upload queue's dead-letter queue."
  value       = aws_sqs_queue.upload_dlq.url
}

output "upload_dlq_arn" {
  description = "ARN of the upload queue's dead-letter queue."
  value       = aws_sqs_queue.upload_dlq.arn
}
