# ECS Fargate: one cluster, one task definition + service per entry of local.services.
resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# Private DNS so tasks reach MLflow directly (the ALB route to it is for admins only).
resource "aws_service_discovery_private_dns_namespace" "main" {
  name        = "${local.name}.internal"
  description = "Service discovery for ${local.name}"
  vpc         = aws_vpc.main.id
}

resource "aws_service_discovery_service" "mlflow" {
  name = "mlflow"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.main.id
    routing_policy = "MULTIVALUE"

    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

locals {
  mlflow_internal_host = "mlflow.${aws_service_discovery_private_dns_namespace.main.name}"

  secret_arn = { for k, s in aws_secretsmanager_secret.this : k => s.arn }

  common_environment = [
    { name = "MLFLOW_TRACKING_URI", value = "http://${local.mlflow_internal_host}:5000" },
    { name = "ECOM_HOME", value = "/var/lib/ecom" },
  ]

  service_environment = {
    api = [
      { name = "ECOM_API_LOG_LEVEL", value = "INFO" },
    ]
    app = [
      { name = "ECOM_API_URL", value = "https://api.${var.domain_name}" },
    ]
    dagster-webserver = [
      { name = "DAGSTER_PG_HOST", value = aws_db_instance.main.address },
      { name = "DAGSTER_PG_PORT", value = "5432" },
      { name = "DAGSTER_PG_DB", value = "dagster" },
      { name = "DAGSTER_PG_USERNAME", value = "dagster" },
      { name = "ECOM_DBT_THREADS", value = "4" },
    ]
    dagster-daemon = [
      { name = "DAGSTER_PG_HOST", value = aws_db_instance.main.address },
      { name = "DAGSTER_PG_PORT", value = "5432" },
      { name = "DAGSTER_PG_DB", value = "dagster" },
      { name = "DAGSTER_PG_USERNAME", value = "dagster" },
      { name = "ECOM_DBT_THREADS", value = "4" },
    ]
    mlflow = [
      { name = "MLFLOW_ARTIFACTS_DESTINATION", value = "s3://${aws_s3_bucket.this["mlflow"].bucket}/artifacts" },
      { name = "MLFLOW_SERVER_ALLOWED_HOSTS", value = "mlflow.${var.domain_name},${local.mlflow_internal_host}:5000" },
    ]
  }

  service_secrets = {
    api = [
      { name = "ECOM_DATABASE_URL", valueFrom = local.secret_arn["reader_url"] },
      { name = "ECOM_API_KEY", valueFrom = local.secret_arn["api_key"] },
    ]
    app = [
      { name = "ECOM_DATABASE_URL", valueFrom = local.secret_arn["reader_url"] },
      { name = "ECOM_API_KEY", valueFrom = local.secret_arn["api_key"] },
    ]
    dagster-webserver = [
      { name = "ECOM_DATABASE_URL", valueFrom = local.secret_arn["transformer_url"] },
      { name = "DAGSTER_PG_PASSWORD", valueFrom = local.secret_arn["dagster_pg"] },
    ]
    dagster-daemon = [
      { name = "ECOM_DATABASE_URL", valueFrom = local.secret_arn["transformer_url"] },
      { name = "DAGSTER_PG_PASSWORD", valueFrom = local.secret_arn["dagster_pg"] },
    ]
    mlflow = [
      { name = "MLFLOW_BACKEND_STORE_URI", valueFrom = local.secret_arn["mlflow_db_url"] },
    ]
  }
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.services

  family                   = "${local.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name                   = each.key
    image                  = "${aws_ecr_repository.this[each.value.image].repository_url}:${var.image_tag}"
    essential              = true
    command                = each.value.command
    readonlyRootFilesystem = false
    portMappings = each.value.port > 0 ? [{
      containerPort = each.value.port
      protocol      = "tcp"
    }] : []
    environment = concat(local.common_environment, local.service_environment[each.key])
    secrets     = local.service_secrets[each.key]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

resource "aws_ecs_service" "this" {
  for_each = local.services

  name                   = each.key
  cluster                = aws_ecs_cluster.main.id
  task_definition        = aws_ecs_task_definition.this[each.key].arn
  desired_count          = each.value.count
  launch_type            = "FARGATE"
  enable_execute_command = startswith(each.key, "dagster")
  propagate_tags         = "SERVICE"

  # The daemon must never run twice (it would double-launch schedules).
  deployment_minimum_healthy_percent = each.key == "dagster-daemon" ? 0 : 100
  deployment_maximum_percent         = each.key == "dagster-daemon" ? 100 : 200

  health_check_grace_period_seconds = each.value.public ? 120 : null

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.value.public ? [1] : []

    content {
      target_group_arn = aws_lb_target_group.service[each.key].arn
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  dynamic "service_registries" {
    for_each = each.key == "mlflow" ? [1] : []

    content {
      registry_arn = aws_service_discovery_service.mlflow.arn
    }
  }

  depends_on = [aws_lb_listener.https]
}

# The API scales on CPU between its desired and maximum counts.
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.this["api"].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.api_desired_count
  max_capacity       = var.api_max_count
}

resource "aws_appautoscaling_policy" "api_cpu" {
  name               = "${local.name}-api-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.api.service_namespace
  resource_id        = aws_appautoscaling_target.api.resource_id
  scalable_dimension = aws_appautoscaling_target.api.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
