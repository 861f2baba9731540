# Records that failed to load wait here for the next run; after max_receives receives
# without being loaded they move to the dead-letter queue (an alarm watches its depth).
resource "aws_sqs_queue" "retry_dlq" {
  name                              = var.retry_dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "retry" {
  name                              = var.retry_queue_name
  message_retention_seconds         = 1209600
  visibility_timeout_seconds        = var.visibility_timeout_seconds
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
