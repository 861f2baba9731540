output "json" {
  description = "A policy document granting exactly the given grants, one statement per resource: a role's aws_iam_policy_document merges it in (source_policy_documents) beside its own statements."
  value = jsonencode({
    Version = "2012-10-17"
    # A Sid each: statements merged through source_policy_documents must have unique ones.
    Statement = [
      for index, statement in local.statements :
      { Sid = "Grant${index}", Effect = "Allow", Action = statement.actions, Resource = statement.resources }
    ]
  })
}
