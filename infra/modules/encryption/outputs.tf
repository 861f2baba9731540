output "key_arn" {
  description = "ARN of the pipeline's customer-managed key."
  value       = aws_kms_key.pipeline.arn
}

output "alias_name" {
  description = "Alias of the key."
  value       = aws_kms_alias.pipeline.name
}
