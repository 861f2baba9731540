# One customer-managed key for the pipeline's data at rest: S3, DynamoDB, SQS, SNS, CloudWatch
# Logs, Lambda environment variables and the Glue job's output.
resource "aws_kms_key" "pipeline" {
  description             = "${var.name_prefix}: data, queues, topic and logs of the pipeline"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_days
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "pipeline" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.pipeline.key_id
}

# In a key policy, Resource "*" means "this key": the key's ARN does not exist before the key.
data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" is the key itself; administration stays with the account root so the key cannot be orphaned.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" is the key itself; the key's users are limited by their own IAM policies.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" is the key itself: the key's ARN does not exist before the key.
  # The account's IAM policies decide who uses the key (each role grants itself only what it
  # needs); the account root keeps administration so the key can never become unmanageable.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = var.account_key_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${var.partition}:iam::${var.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisAccountsLogGroups"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:*"]
    }
  }

  # CloudWatch alarms and the Glue failure rule publish to the encrypted status topic. AWS does
  # not support aws:SourceAccount/aws:SourceArn in a key policy for EventBridge delivering to an
  # encrypted topic or queue (the call would be refused and the event dropped): the statements
  # are scoped by the encryption context SNS and SQS set, the ARN of what is encrypted.
  statement {
    sid       = "AlarmsAndRulesPublishToTheStatusTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = [var.status_topic_arn]
    }
  }

  # The upload rule sends to the upload queue; both rules park undeliverable events in a DLQ.
  statement {
    sid       = "RulesSendToTheirQueues"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sqs:arn"
      values   = var.event_queue_arns
    }
  }

  # The pipeline's event bus and its archive (modules/events): EventBridge checks the key (its
  # DescribeKey carries no encryption context, and aws:SourceAccount is not supported here),
  # then encrypts and decrypts only in the bus's encryption context.
  statement {
    sid       = "EventBridgeDescribesTheKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }

  statement {
    sid       = "EventBridgeEncryptsTheBus"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:events:event-bus:arn"
      values   = [var.event_bus_arn]
    }
  }
}
