output "state_bucket" {
  description = "Bucket of the Terraform state: pass it to `etl deploy` (--state-bucket or TF_STATE_BUCKET)."
  value       = aws_s3_bucket.state.id
}

output "state_key_arn" {
  description = "Key encrypting the state bucket."
  value       = aws_kms_key.state.arn
}
