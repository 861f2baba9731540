# The daily workflow: statemachine.asl.json with its ${placeholders} bound here, as
# etl_tools.statemachine.render() binds them locally (tests/infra checks both bind the same).
resource "aws_cloudwatch_log_group" "state_machine" {
  # /aws/vendedlogs/ keeps CloudWatch Logs' resource policy small when it grants log delivery.
  name              = "/aws/vendedlogs/states/${var.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "states_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  # Built from the name: the role's policy cannot wait for the state machine it belongs to.
  state_machine_arn    = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${var.state_machine_name}"
  execution_arn_prefix = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:execution:${var.state_machine_name}"
}

resource "aws_iam_role" "state_machine" {
  name               = var.state_machine_name
  description        = "State machine ${var.state_machine_name}: invoke its functions, run its Glue and Batch jobs, log"
  assume_role_policy = data.aws_iam_policy_document.states_trust.json
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "InvokeOwnFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = sort(values(var.function_arns))
  }

  # glue:startJobRun (request-response) and aws-sdk:glue:getJobRun polling.
  statement {
    sid       = "RunLoadJob"
    actions   = ["glue:GetJobRun", "glue:StartJobRun"]
    resources = [var.load_job_arn]
  }

  # batch:submitJob.sync: submit to its own queue and job definition (any revision) ...
  statement {
    sid       = "SubmitRebuildJob"
    actions   = ["batch:SubmitJob"]
    resources = [var.rebuild_job_queue_arn, var.rebuild_job_definition_arn, "${var.rebuild_job_definition_arn}:*"]
  }

  # ... stop it when the state times out or the execution stops (job ids exist only at run time) ...
  statement {
    sid       = "StopRebuildJob"
    actions   = ["batch:TerminateJob"]
    resources = ["arn:${data.aws_partition.current.partition}:batch:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:job/*"]
  }

  # ... follow it: DescribeJobs has no resource-level permissions ("*" is the only valid one) ...
  statement {
    sid       = "DescribeRebuildJob"
    actions   = ["batch:DescribeJobs"]
    resources = ["*"]
  }

  # ... through the EventBridge rule Step Functions manages for Batch .sync tasks.
  statement {
    sid       = "ManageBatchSyncRule"
    actions   = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
    resources = ["arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:rule/StepFunctionsGetEventsForBatchJobsRule"]
  }

  # The distributed Map FanOutChanges: its ItemReader reads the run's outcome CSV (SSE-KMS), and
  # it runs each batch as a child execution of this state machine.
  statement {
    sid       = "ReadChangesForTheMap"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/staged/*"]
  }

  statement {
    sid       = "DecryptChangesForTheMap"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "RunMapChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "FollowMapChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${local.execution_arn_prefix}/*"]
  }

  # Log delivery and X-Ray have no resource-level permissions: "*" is the only valid resource.
  statement {
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    resources = ["*"]
  }

  statement {
    sid = "SendTraces"
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "least-privilege"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

resource "aws_sfn_state_machine" "daily" {
  name     = var.state_machine_name
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn

  definition = templatefile(var.definition_path, {
    lock_wait_interval_seconds  = var.lock_wait_interval_seconds
    lock_wait_max_attempts      = var.lock_wait_max_attempts
    lock_wait_max_delay_seconds = var.lock_wait_max_delay_seconds
    start_run_arn               = var.function_arns["start_run"]
    extract_source_arn          = var.function_arns["extract_source"]
    validate_source_arn         = var.function_arns["validate_source"]
    transform_sources_arn       = var.function_arns["transform_sources"]
    collect_retries_arn         = var.function_arns["collect_retries"]
    plan_load_arn               = var.function_arns["plan_load"]
    record_pre_load_arn         = var.function_arns["record_pre_load"]
    check_load_arn              = var.function_arns["check_load"]
    reconcile_load_arn          = var.function_arns["reconcile_load"]
    queue_failures_arn          = var.function_arns["queue_failures"]
    commit_snapshot_arn         = var.function_arns["commit_snapshot"]
    finish_run_arn              = var.function_arns["finish_run"]
    fail_run_arn                = var.function_arns["fail_run"]
    render_dashboard_arn        = var.function_arns["render_dashboard"]
    notify_arn                  = var.function_arns["notify"]
    request_approval_arn        = var.function_arns["request_approval"]
    load_job_name               = var.load_job_name
    rebuild_job_queue           = var.rebuild_job_queue_arn
    rebuild_job_definition      = var.rebuild_job_definition_arn
    publish_changes_arn         = var.function_arns["publish_changes"]
    announce_run_arn            = var.function_arns["announce_run"]
    data_bucket                 = var.bucket_name
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.state_machine]
}
