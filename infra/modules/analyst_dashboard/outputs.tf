output "workspace_url" {
  description = "Where analysts sign in (IAM Identity Center)."
  value       = "https://${aws_grafana_workspace.analysts.endpoint}"
}
