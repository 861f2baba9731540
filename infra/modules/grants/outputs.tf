output "statements" {
  description = "IAM statements ({actions, resources}) granting exactly the given grants."
  value       = local.statements
}
