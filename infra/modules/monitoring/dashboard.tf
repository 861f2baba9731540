# The operations view: one CloudWatch dashboard of the pipeline's health, so an operator sees
# runs, function errors, the load job and stuck records without reading logs.
# (The data itself is charted by the static page the pipeline renders into the data bucket.)

data "aws_region" "current" {}

# Glue publishes no outcome metric for a Python-shell job; EventBridge counts the job's state
# change events per rule (AWS/Events TriggeredRules), which needs no target: a success rule for
# the chart, next to the failure rule of main.tf that also notifies.
resource "aws_cloudwatch_event_rule" "load_job_succeeded" {
  name        = "${var.name_prefix}-load-job-succeeded"
  description = "The Glue load job ${var.load_job_name} succeeded (counted for the dashboard)"

  event_pattern = jsonencode({
    source      = ["aws.glue"]
    detail-type = ["Glue Job State Change"]
    detail = {
      jobName = [var.load_job_name]
      state   = ["SUCCEEDED"]
    }
  })
}

locals {
  region = data.aws_region.current.region
  # One daily run: hourly buckets show each run as one point over the default two weeks.
  dashboard_period = 3600

  # [metric, label] in the order a reader follows a run.
  execution_metrics = [
    ["ExecutionsStarted", "started"],
    ["ExecutionsSucceeded", "succeeded"],
    ["ExecutionsFailed", "failed"],
    ["ExecutionsTimedOut", "timed out"],
    ["ExecutionsAborted", "aborted"],
  ]

  dashboard_widgets = [
    {
      type   = "text"
      x      = 0
      y      = 0
      width  = 24
      height = 2
      properties = {
        markdown = join("\n", [
          "## ${var.name_prefix}: daily runs",
          "Executions of the state machine, per-function Lambda errors and durations, the Glue load job's outcomes and the retry / upload queue and DLQ depths. The loaded data is charted in `dashboard/index.html` of the data bucket (linked from each status email).",
        ])
      }
    },
    {
      type   = "alarm"
      x      = 0
      y      = 2
      width  = 24
      height = 3
      properties = {
        title = "Alarms (notify the status topic)"
        alarms = concat(
          [aws_cloudwatch_metric_alarm.executions_failed.arn],
          [for alarm in aws_cloudwatch_metric_alarm.dlq_not_empty : alarm.arn],
        )
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 5
      width  = 12
      height = 6
      properties = {
        title  = "Executions"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = local.dashboard_period
        metrics = [
          for metric in local.execution_metrics :
          ["AWS/States", metric[0], "StateMachineArn", var.state_machine_arn, { label = metric[1] }]
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 5
      width  = 12
      height = 6
      properties = {
        title  = "Execution time (ms)"
        region = local.region
        view   = "timeSeries"
        period = local.dashboard_period
        metrics = [
          ["AWS/States", "ExecutionTime", "StateMachineArn", var.state_machine_arn, { stat = "Maximum", label = "longest" }],
          ["AWS/States", "ExecutionTime", "StateMachineArn", var.state_machine_arn, { stat = "Average", label = "average" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 11
      width  = 12
      height = 7
      properties = {
        title  = "Lambda errors per function"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = local.dashboard_period
        metrics = [
          for function, name in var.function_names :
          ["AWS/Lambda", "Errors", "FunctionName", name, { label = function }]
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 11
      width  = 12
      height = 7
      properties = {
        title  = "Lambda duration per function, longest (ms)"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = local.dashboard_period
        metrics = [
          for function, name in var.function_names :
          ["AWS/Lambda", "Duration", "FunctionName", name, { label = function }]
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 18
      width  = 12
      height = 6
      properties = {
        title  = "Glue load job runs by outcome"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = local.dashboard_period
        metrics = [
          ["AWS/Events", "TriggeredRules", "RuleName", aws_cloudwatch_event_rule.load_job_succeeded.name, { label = "succeeded" }],
          ["AWS/Events", "TriggeredRules", "RuleName", aws_cloudwatch_event_rule.load_job_failed.name, { label = "failed, timed out or stopped" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 18
      width  = 12
      height = 6
      properties = {
        title  = "Messages waiting: retry and upload queues, dead-letter queues"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = local.dashboard_period
        metrics = [
          for queue in concat(var.queue_names, var.dlq_names) :
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { label = queue }]
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "operations" {
  dashboard_name = "${var.name_prefix}-operations"
  dashboard_body = jsonencode({
    start   = "-P14D"
    widgets = local.dashboard_widgets
  })
}
