output "bus_name" {
  description = "Name of the pipeline's event bus."
  value       = aws_cloudwatch_event_bus.pipeline.name
}

output "bus_arn" {
  description = "ARN of the pipeline's event bus."
  value       = aws_cloudwatch_event_bus.pipeline.arn
}

output "archive_arn" {
  description = "ARN of the bus's archive."
  value       = aws_cloudwatch_event_archive.pipeline.arn
}
