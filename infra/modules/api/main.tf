# The REST API: an HTTP API whose every route is IAM-authorised (SigV4), proxied to the `api`
# Lambda function (payload format 2.0), with access logs and throttling on its one stage, and
# two caller policies: an operator's (every route) and a reader's (the GET routes only).
locals {
  # covid_etl.api.ROUTES, key for key: tests/infra/test_api.py proves the two are equal.
  routes = [
    "POST /runs",
    "GET /runs",
    "GET /runs/{id}",
    "POST /runs/{id}/approve",
    "POST /runs/{id}/reject",
    "GET /data",
  ]
  # execute-api:Invoke resources: <execution ARN>/<stage>/<METHOD>/<path>, a path parameter as *.
  route_arns = {
    for key in local.routes : key => format(
      "%s/%s/%s",
      aws_apigatewayv2_api.api.execution_arn,
      aws_apigatewayv2_stage.api.name,
      replace(replace(key, " /", "/"), "/\\{[^}]+\\}/", "*"),
    )
  }
  read_only_routes = [for key in local.routes : key if startswith(key, "GET ")]
}

resource "aws_apigatewayv2_api" "api" {
  name          = var.api_name
  description   = "covid-etl: runs, approvals and the loaded data (IAM auth on every route)"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "function" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.function_arn
  payload_format_version = "2.0"
}

# No route without AWS_IAM: API Gateway itself refuses an unsigned or badly signed request (403).
resource "aws_apigatewayv2_route" "route" {
  for_each = toset(local.routes)

  api_id             = aws_apigatewayv2_api.api.id
  route_key          = each.value
  authorization_type = "AWS_IAM"
  target             = "integrations/${aws_apigatewayv2_integration.function.id}"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.api_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "api" {
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    # Who called what, and how it ended: the caller's IAM identity is the audit trail.
    format = jsonencode({
      requestId      = "$context.requestId"
      requestTime    = "$context.requestTime"
      caller         = "$context.identity.userArn"
      sourceIp       = "$context.identity.sourceIp"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      error          = "$context.error.message"
      integration    = "$context.integrationErrorMessage"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }
}

# API Gateway may invoke the function for this API's routes only.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowInvokeFromOwnApi"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/*/*"
}

data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "InvokeEveryRoute"
    actions   = ["execute-api:Invoke"]
    resources = [for key in local.routes : local.route_arns[key]]
  }
}

data "aws_iam_policy_document" "read_only" {
  statement {
    sid       = "InvokeGetRoutes"
    actions   = ["execute-api:Invoke"]
    resources = [for key in local.read_only_routes : local.route_arns[key]]
  }
}

resource "aws_iam_policy" "operator" {
  name        = "${var.api_name}-operator"
  description = "Call every route of ${var.api_name}: start runs, approve or reject, read"
  policy      = data.aws_iam_policy_document.operator.json
}

resource "aws_iam_policy" "read_only" {
  name        = "${var.api_name}-read-only"
  description = "Call the GET routes of ${var.api_name}: runs and loaded data"
  policy      = data.aws_iam_policy_document.read_only.json
}
