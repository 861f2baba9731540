output "job_name" {
  description = "Name of the load job."
  value       = aws_glue_job.load.name
}

output "job_arn" {
  description = "ARN of the load job."
  value       = aws_glue_job.load.arn
}

output "role_arn" {
  description = "ARN of the load job's role."
  value       = aws_iam_role.load.arn
}
