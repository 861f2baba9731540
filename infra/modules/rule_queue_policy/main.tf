# The queues an EventBridge rule sends to (its target, its dead-letter queue): EventBridge may
# send to each, and only on behalf of that rule.
data "aws_iam_policy_document" "rule_sends" {
  for_each = var.queues

  statement {
    sid       = "RuleSends"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.rule_arn]
    }
  }
}

resource "aws_sqs_queue_policy" "rule_sends" {
  for_each = var.queues

  queue_url = each.value.url
  policy    = data.aws_iam_policy_document.rule_sends[each.key].json
}
