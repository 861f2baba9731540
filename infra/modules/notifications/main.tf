# The status email of every run, and the alarms.
resource "aws_sns_topic" "status" {
  name              = var.topic_name
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_policy" "status" {
  arn    = aws_sns_topic.status.arn
  policy = data.aws_iam_policy_document.topic.json
}

data "aws_iam_policy_document" "topic" {
  # The functions publish through their own roles; only the alarms and the Glue failure rule
  # need the topic's consent, and only from this account.
  statement {
    sid       = "AlarmsAndRulesOfThisAccountPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.status.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }

  statement {
    sid       = "DenyPlainHttpPublish"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.status.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.emails)

  topic_arn = aws_sns_topic.status.arn
  protocol  = "email"
  endpoint  = each.value
}
