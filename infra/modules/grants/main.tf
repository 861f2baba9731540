# Turns grants written as covid_etl/contract.json writes them, (action, resource kind, S3
# prefix), into IAM statements: one per resource, with exactly the actions granted on it.
# A prefix narrows an S3 grant to the objects under it; bucket-level actions have none.
locals {
  actions_by_resource = { for grant in var.grants : "${grant[1]}:${grant[2]}" => grant[0]... }

  statements = [
    for resource, actions in local.actions_by_resource : {
      actions = sort(distinct(actions))
      resources = [
        split(":", resource)[1] == ""
        ? var.resource_arns[split(":", resource)[0]]
        : "${var.resource_arns[split(":", resource)[0]]}/${split(":", resource)[1]}*"
      ]
    }
  ]
}
