# Records that failed to load wait in the retry queue for the next run; after max_receives
# receives without being loaded they move to the dead-letter queue (an alarm watches its depth).
resource "aws_sqs_queue" "retry_dlq" {
  name                              = var.retry_dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "retry" {
  name                       = var.retry_queue_name
  message_retention_seconds  = 1209600
  visibility_timeout_seconds = var.visibility_timeout_seconds
  # Long polling: collect_retries drains until an empty answer, which a short poll can give
  # while messages wait (it samples servers). The last, empty, receive waits this long.
  receive_wait_time_seconds         = 1
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.retry_dlq.arn
    maxReceiveCount     = var.max_receives
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "retry_dlq" {
  queue_url = aws_sqs_queue.retry_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.retry.arn]
  })
}

# The buffer between an upload (S3 -> EventBridge) and start_from_upload: messages the function
# reports as failed come back after the visibility timeout; after upload_max_receives they
# move to the upload DLQ (an alarm watches it; `etl redrive` moves them back).
resource "aws_sqs_queue" "upload_dlq" {
  name                              = var.upload_dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "upload" {
  name                      = var.upload_queue_name
  message_retention_seconds = 1209600
  # AWS's guidance for a queue a Lambda function consumes: at least six times the function's
  # timeout, so a batch still being processed is not handed to a second poller.
  visibility_timeout_seconds        = 6 * var.upload_consumer_timeout_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.upload_dlq.arn
    maxReceiveCount     = var.upload_max_receives
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "upload_dlq" {
  queue_url = aws_sqs_queue.upload_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.upload.arn]
  })
}
