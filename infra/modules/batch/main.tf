# The Rebuild job: `python -m covid_etl.rebuild` (the image's entrypoint, Dockerfile at the
# repository root) on AWS Batch with Fargate, submitted by the state machine's Rebuild state
# (batch:submitJob.sync) with the Batch parameters run_id and run_date.
locals {
  # covid_etl.rebuild.ARGUMENTS as the container's command: Batch fills Ref::<name> from the
  # SubmitJob parameters (tests/infra/test_batch.py).
  command = ["--run_id", "Ref::run_id", "--run_date", "Ref::run_date"]
}

data "aws_region" "current" {}

module "grants" {
  source = "../grants"

  grants = var.grants
  resource_arns = {
    bucket      = var.bucket_arn
    daily_table = var.daily_table_arn
  }
}

resource "aws_ecr_repository" "rebuild" {
  name = var.name
  # A tag names one image for good: the job definition pins a tag, never a moving one.
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "rebuild" {
  repository = aws_ecr_repository.rebuild.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.images_kept} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.images_kept
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_cloudwatch_log_group" "rebuild" {
  name              = "/aws/batch/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The execution role: what Fargate needs to start the container (pull the image, ship the logs).
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  description        = "Batch job ${var.name}: pull its image, write its log stream"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "PullOwnImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.rebuild.arn]
  }

  # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
  statement {
    sid       = "AuthenticateToRegistry"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rebuild.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "least-privilege"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# The job role: what covid_etl.rebuild itself calls.
resource "aws_iam_role" "job" {
  name               = var.name
  description        = "Batch job ${var.name}: scan the daily table, read and write its run's staged files and the snapshot"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

data "aws_iam_policy_document" "job" {
  # What the contract grants (modules/grants); the statements below are this role's own.
  source_policy_documents = [module.grants.json]

  statement {
    sid       = "UsePipelineKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "least-privilege"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}

# No service_role: Batch uses its service-linked role (AWSServiceRoleForBatch).
resource "aws_batch_compute_environment" "rebuild" {
  name = var.name
  type = "MANAGED"

  compute_resources {
    type               = "FARGATE"
    max_vcpus          = var.max_vcpus
    subnets            = var.subnet_ids
    security_group_ids = var.security_group_ids
  }
}

resource "aws_batch_job_queue" "rebuild" {
  name     = var.name
  state    = "ENABLED"
  priority = 1

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.rebuild.arn
  }
}

resource "aws_batch_job_definition" "rebuild" {
  name                  = var.name
  type                  = "container"
  platform_capabilities = ["FARGATE"]
  propagate_tags        = true

  container_properties = jsonencode({
    image            = "${aws_ecr_repository.rebuild.repository_url}:${var.image_tag}"
    command          = local.command
    jobRoleArn       = aws_iam_role.job.arn
    executionRoleArn = aws_iam_role.execution.arn
    environment      = [for name, value in var.environment_variables : { name = name, value = value }]
    resourceRequirements = [
      { type = "VCPU", value = tostring(var.vcpus) },
      { type = "MEMORY", value = tostring(var.memory_mb) },
    ]
    readonlyRootFilesystem       = true
    privileged                   = false
    networkConfiguration         = { assignPublicIp = "DISABLED" }
    fargatePlatformConfiguration = { platformVersion = "LATEST" }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.rebuild.name
        "awslogs-region"        = data.aws_region.current.region
        "awslogs-stream-prefix" = "rebuild"
      }
    }
  })

  # The state machine's Catch handles a failed job; a second attempt would redo the same scan.
  retry_strategy {
    attempts = 1
  }

  timeout {
    attempt_duration_seconds = var.timeout_seconds
  }

  depends_on = [aws_iam_role_policy.job, aws_iam_role_policy.execution]
}
