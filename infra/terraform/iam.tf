# Least privilege: one execution role (pull images, write logs, read exactly the secrets the
# tasks reference) and one task role per service granting only the S3 access it needs.
data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:ecs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution_managed" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "ReadTaskSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for s in aws_secretsmanager_secret.this : s.arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "read-task-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

resource "aws_iam_role" "task" {
  for_each = local.services

  name               = "${local.name}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

locals {
  # Which buckets each service may read (r) or read/write (rw).
  task_bucket_access = {
    api               = { r = [], rw = [] }
    app               = { r = [], rw = [] }
    dagster-webserver = { r = ["raw"], rw = [] }
    dagster-daemon    = { r = [], rw = ["raw"] }
    mlflow            = { r = [], rw = ["mlflow"] }
  }
  tasks_with_s3 = {
    for k, v in local.task_bucket_access : k => v if length(v.r) + length(v.rw) > 0
  }
}

data "aws_iam_policy_document" "task_s3" {
  for_each = local.tasks_with_s3

  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [for b in concat(each.value.r, each.value.rw) : aws_s3_bucket.this[b].arn]
  }

  statement {
    sid       = "ReadObjects"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for b in concat(each.value.r, each.value.rw) : "${aws_s3_bucket.this[b].arn}/*"]
  }

  dynamic "statement" {
    for_each = length(each.value.rw) > 0 ? [1] : []

    content {
      sid       = "WriteObjects"
      actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = [for b in each.value.rw : "${aws_s3_bucket.this[b].arn}/*"]
    }
  }
}

resource "aws_iam_role_policy" "task_s3" {
  for_each = local.tasks_with_s3

  name   = "s3-access"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task_s3[each.key].json
}

# ECS Exec (debug shells) for the Dagster tasks only.
data "aws_iam_policy_document" "ecs_exec" {
  statement {
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "ecs_exec" {
  for_each = toset(["dagster-webserver", "dagster-daemon"])

  name   = "ecs-exec"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.ecs_exec.json
}
