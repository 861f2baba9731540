# Alarms to the status topic: failed runs, records stuck in a dead-letter queue, Glue failures.
# (A CloudWatch dashboard of the pipeline belongs here too.)

# Failed, timed-out and aborted executions of the daily workflow, summed. A series with no
# datapoint in the period (the usual case: a run fails, none times out) makes a plain sum empty,
# and empty is "missing data", not breaching: FILL(m, 0) turns each gap into a 0 first.
resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  alarm_name          = "${var.name_prefix}-executions-failed"
  alarm_description   = "A daily run did not succeed: see the status email and the execution's history."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]

  metric_query {
    id          = "unsuccessful"
    expression  = "FILL(failed, 0) + FILL(timed_out, 0) + FILL(aborted, 0)"
    label       = "Unsuccessful executions"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = {
      failed    = "ExecutionsFailed"
      timed_out = "ExecutionsTimedOut"
      aborted   = "ExecutionsAborted"
    }
    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/States"
        metric_name = metric_query.value
        period      = var.period_seconds
        stat        = "Sum"
        dimensions = {
          StateMachineArn = var.state_machine_arn
        }
      }
    }
  }
}

# A message in a DLQ is a record that failed to load max_receives times, a daily start the
# scheduler could not deliver, or an upload start_from_upload failed on: each needs a person.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  for_each = toset(var.dlq_names)

  alarm_name          = "${each.value}-not-empty"
  alarm_description   = "Messages wait in ${each.value}; inspect them and redrive or delete."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  dimensions = {
    QueueName = each.value
  }
}

# A Python-shell job publishes no failure metric: Glue's job state change events are the signal.
resource "aws_cloudwatch_event_rule" "load_job_failed" {
  name        = "${var.name_prefix}-load-job-failed"
  description = "The Glue load job ${var.load_job_name} failed, timed out or was stopped"

  event_pattern = jsonencode({
    source      = ["aws.glue"]
    detail-type = ["Glue Job State Change"]
    detail = {
      jobName = [var.load_job_name]
      state   = ["FAILED", "TIMEOUT", "ERROR", "STOPPED"]
    }
  })
}

resource "aws_cloudwatch_event_target" "load_job_failed" {
  rule = aws_cloudwatch_event_rule.load_job_failed.name
  arn  = var.topic_arn

  # Retried for 24 hours, then parked in the alerts DLQ (alarmed like every DLQ), never lost.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.alerts_dlq.arn
  }

  input_transformer {
    input_paths = {
      job     = "$.detail.jobName"
      run     = "$.detail.jobRunId"
      state   = "$.detail.state"
      message = "$.detail.message"
    }
    input_template = "\"Glue job <job> run <run> ended <state>: <message>\""
  }
}

# Glue failure events the rule could not deliver to the status topic.
resource "aws_sqs_queue" "alerts_dlq" {
  name                              = var.alerts_dlq
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
}

module "alerts_dlq_policy" {
  source = "../rule_queue_policy"

  rule_arn = aws_cloudwatch_event_rule.load_job_failed.arn
  queues = {
    alerts_dlq = { arn = aws_sqs_queue.alerts_dlq.arn, url = aws_sqs_queue.alerts_dlq.id }
  }
}
