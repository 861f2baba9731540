# The upload trigger: an object created under the landing prefix of the data bucket (S3 sends
# its events to EventBridge) -> this rule -> the upload queue -> start_from_upload, which
# starts one execution per upload (object, ETag, sequencer) and reports failed messages one by one.
resource "aws_cloudwatch_event_rule" "uploads" {
  name        = var.rule_name
  description = "An object created under s3://${var.bucket_name}/${var.landing_prefix} starts a run"

  event_pattern = jsonencode({
    source      = ["aws.s3"]
    detail-type = ["Object Created"]
    detail = {
      bucket = { name = [var.bucket_name] }
      object = { key = [{ prefix = var.landing_prefix }] }
    }
  })
}

resource "aws_cloudwatch_event_target" "uploads" {
  rule = aws_cloudwatch_event_rule.uploads.name
  arn  = var.queue_arn

  # EventBridge retries an undeliverable event for 24 hours, then parks it in the upload DLQ
  # (where `etl redrive` moves it back to the queue: the body is the event, as delivered).
  # The pipeline key's policy lets events.amazonaws.com encrypt for both queues.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = var.dlq_arn
  }

  depends_on = [module.queue_policy]
}

# Only this rule may send to the upload queue, and park what it cannot deliver in its DLQ.
module "queue_policy" {
  source = "../rule_queue_policy"

  rule_arn = aws_cloudwatch_event_rule.uploads.arn
  queues = {
    upload     = { arn = var.queue_arn, url = var.queue_url }
    upload_dlq = { arn = var.dlq_arn, url = var.dlq_url }
  }
}

resource "aws_lambda_event_source_mapping" "uploads" {
  event_source_arn = var.queue_arn
  function_name    = var.function_arn
  batch_size       = 10
  # The function returns {"batchItemFailures": [...]}: only those messages come back.
  function_response_types = ["ReportBatchItemFailures"]

  # Starting an execution takes milliseconds; two pollers (the minimum) keep the trigger from
  # taking the account's concurrency away from the pipeline's own functions.
  scaling_config {
    maximum_concurrency = 2
  }
}
