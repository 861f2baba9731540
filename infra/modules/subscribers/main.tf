# Subscribers of the pipeline's bus: each declaration (name, url, pattern, auth) becomes a rule,
# an API destination with its connection (the secret kept by EventBridge in Secrets Manager), a
# retry policy and its own encrypted dead-letter queue, which `etl replay --subscriber` re-sends.
# Locally the bridge reads the same declarations from <state dir>/subscribers.json.
locals {
  subscribers = { for s in var.subscribers : s.name => s }
  # The events a subscription gets when it names no pattern: all of the pipeline's.
  default_pattern = { source = ["covid-etl"] }
}

resource "aws_cloudwatch_event_connection" "subscriber" {
  for_each = local.subscribers

  name               = "${var.name_prefix}-${each.key}"
  description        = "Authorization of subscriber ${each.key}"
  authorization_type = each.value.auth.type

  auth_parameters {
    dynamic "api_key" {
      for_each = each.value.auth.type == "API_KEY" ? [each.value.auth] : []
      content {
        key   = api_key.value.header
        value = var.secrets[each.key]
      }
    }

    dynamic "oauth" {
      for_each = each.value.auth.type == "OAUTH_CLIENT_CREDENTIALS" ? [each.value.auth] : []
      content {
        authorization_endpoint = oauth.value.token_url
        http_method            = "POST"

        client_parameters {
          client_id     = oauth.value.client_id
          client_secret = var.secrets[each.key]
        }

        # EventBridge asks the token URL for a client-credentials token; nothing else to add.
        oauth_http_parameters {}
      }
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "subscriber" {
  for_each = local.subscribers

  name                             = "${var.name_prefix}-${each.key}"
  description                      = "The endpoint of subscriber ${each.key}"
  invocation_endpoint              = each.value.url
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.rate_limit_per_second
  connection_arn                   = aws_cloudwatch_event_connection.subscriber[each.key].arn
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.subscribers

  name                              = "${var.name_prefix}-${each.key}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "subscriber" {
  for_each = local.subscribers

  name           = "${var.name_prefix}-${each.key}"
  description    = "The pipeline's events subscriber ${each.key} asked for"
  event_bus_name = var.bus_name
  event_pattern  = jsonencode(coalesce(each.value.pattern, local.default_pattern))
}

module "dlq_policy" {
  source   = "../rule_queue_policy"
  for_each = local.subscribers

  rule_arn = aws_cloudwatch_event_rule.subscriber[each.key].arn
  queues   = { dlq = { arn = aws_sqs_queue.dlq[each.key].arn, url = aws_sqs_queue.dlq[each.key].id } }
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "invoke" {
  count = length(var.subscribers) > 0 ? 1 : 0

  name               = "${var.name_prefix}-subscribers"
  description        = "EventBridge calls the subscribers' API destinations, nothing else"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
}

data "aws_iam_policy_document" "invoke" {
  statement {
    sid       = "InvokeSubscribers"
    actions   = ["events:InvokeApiDestination"]
    resources = sort([for d in aws_cloudwatch_event_api_destination.subscriber : d.arn])
  }
}

resource "aws_iam_role_policy" "invoke" {
  count = length(var.subscribers) > 0 ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.invoke[0].id
  policy = data.aws_iam_policy_document.invoke.json
}

resource "aws_cloudwatch_event_target" "subscriber" {
  for_each = local.subscribers

  rule           = aws_cloudwatch_event_rule.subscriber[each.key].name
  event_bus_name = var.bus_name
  arn            = aws_cloudwatch_event_api_destination.subscriber[each.key].arn
  role_arn       = aws_iam_role.invoke[0].arn

  # A 4xx other than 429 is not retried by EventBridge: it goes to the DLQ at once, as does an
  # event still undelivered after the retries; `etl replay --subscriber` re-sends it.
  retry_policy {
    maximum_event_age_in_seconds = var.max_event_age_seconds
    maximum_retry_attempts       = var.max_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq[each.key].arn
  }

  depends_on = [module.dlq_policy]
}
