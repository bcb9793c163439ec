locals {
  name = "${var.project}-${var.environment}"

  tags = merge(var.tags, {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Every long-running ECS service. `public` services get an ALB target group and a host rule;
  # `admin_only` ones are reachable only from var.admin_cidr_blocks.
  services = {
    api = {
      image      = "api"
      port       = 8000
      cpu        = var.api_cpu
      memory     = var.api_memory
      count      = var.api_desired_count
      public     = true
      admin_only = false
      host       = "api.${var.domain_name}"
      health     = "/health"
      command    = ["ecom", "serve", "api", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
      db_secret  = "reader_url"
    }
    app = {
      image      = "app"
      port       = 8501
      cpu        = var.app_cpu
      memory     = var.app_memory
      count      = var.app_desired_count
      public     = true
      admin_only = false
      host       = "app.${var.domain_name}"
      health     = "/_stcore/health"
      command    = ["python", "-m", "streamlit", "run", "app/Home.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
      db_secret  = "reader_url"
    }
    dagster-webserver = {
      image      = "dagster"
      port       = 3000
      cpu        = var.dagster_cpu
      memory     = var.dagster_memory
      count      = 1
      public     = true
      admin_only = true
      host       = "dagster.${var.domain_name}"
      health     = "/server_info"
      command    = ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-m", "orchestration.definitions"]
      db_secret  = "transformer_url"
    }
    dagster-daemon = {
      image      = "dagster"
      port       = 0
      cpu        = var.dagster_cpu
      memory     = var.dagster_memory
      count      = 1
      public     = false
      admin_only = true
      host       = ""
      health     = ""
      command    = ["dagster-daemon", "run", "-m", "orchestration.definitions"]
      db_secret  = "transformer_url"
    }
    mlflow = {
      image      = "mlflow"
      port       = 5000
      cpu        = var.mlflow_cpu
      memory     = var.mlflow_memory
      count      = 1
      public     = true
      admin_only = true
      host       = "mlflow.${var.domain_name}"
      health     = "/health"
      command    = ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", "--serve-artifacts"]
      db_secret  = ""
    }
  }

  web_services = { for k, v in local.services : k => v if v.public }

  ecr_repositories = toset(["api", "app", "dagster", "mlflow"])
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}
