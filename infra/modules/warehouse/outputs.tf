output "workgroup_name" {
  description = "Redshift Serverless workgroup the loader runs its SQL on (Data API WorkgroupName)."
  value       = aws_redshiftserverless_workgroup.warehouse.workgroup_name
}

output "workgroup_arn" {
  description = "ARN of the workgroup (the loader's redshift-data:ExecuteStatement and GetCredentials)."
  value       = aws_redshiftserverless_workgroup.warehouse.arn
}

output "copy_role_arn" {
  description = "Role Redshift assumes for COPY (the IAM_ROLE of the loader's SQL)."
  value       = aws_iam_role.copy.arn
}

output "admin_secret_arn" {
  description = "Secrets Manager secret of the admin password Redshift manages."
  value       = aws_redshiftserverless_namespace.warehouse.admin_password_secret_arn
}

output "dlq_arn" {
  description = "Queue of RunCompleted events the loader could not take or failed on."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of that queue."
  value       = aws_sqs_queue.dlq.id
}
