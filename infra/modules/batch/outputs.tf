output "job_queue_arn" {
  description = "ARN of the job queue the state machine submits to."
  value       = aws_batch_job_queue.rebuild.arn
}

output "job_definition_arn" {
  description = "ARN of the job definition without its revision: SubmitJob takes the latest active one."
  value       = aws_batch_job_definition.rebuild.arn_prefix
}

output "repository_url" {
  description = "URL of the ECR repository the job's image is pushed to."
  value       = aws_ecr_repository.rebuild.repository_url
}

output "job_role_arn" {
  description = "ARN of the job's role (what covid_etl.rebuild may call)."
  value       = aws_iam_role.job.arn
}
