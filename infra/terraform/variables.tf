variable "project" {
  description = "Name prefix of every resource."
  type        = string
  default     = "ecom"
}

variable "environment" {
  description = "Deployment environment (dev, prod)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "aws_region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- network
variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets over (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3 (RDS and the ALB need two zones)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets (cheaper) instead of one per zone."
  type        = bool
  default     = true
}

variable "admin_cidr_blocks" {
  description = "CIDR blocks allowed to reach the admin UIs (Dagster, MLflow) through the ALB."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------- TLS / DNS
variable "domain_name" {
  description = "Base domain; services answer on api., app., dagster. and mlflow. sub-domains."
  type        = string
}

variable "acm_certificate_arn" {
  description = "ARN of an ACM certificate covering the service host names (HTTPS listener)."
  type        = string
}

variable "alb_ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

# ---------------------------------------------------------------- database
variable "db_engine_version" {
  description = "RDS PostgreSQL engine version."
  type        = string
  default     = "16.4"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "Initial RDS storage, GiB."
  type        = number
  default     = 50
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling, GiB."
  type        = number
  default     = 200
}

variable "db_multi_az" {
  description = "Standby replica in a second zone."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Automated backup retention, days."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (set true in prod)."
  type        = bool
  default     = true
}

variable "enable_redshift" {
  description = "Also create a Redshift cluster for the warehouse (dbt target `redshift`)."
  type        = bool
  default     = false
}

variable "redshift_node_type" {
  description = "Redshift node type."
  type        = string
  default     = "ra3.xlplus"
}

variable "redshift_number_of_nodes" {
  description = "Redshift nodes (1: single-node cluster)."
  type        = number
  default     = 2
}

# ---------------------------------------------------------------- images and services
variable "image_tag" {
  description = "Image tag deployed from every ECR repository (CD passes the git SHA)."
  type        = string
  default     = "latest-main"
}

variable "api_cpu" {
  description = "Fargate CPU units of an API task."
  type        = number
  default     = 512
}

variable "api_memory" {
  description = "Fargate memory (MiB) of an API task."
  type        = number
  default     = 1024
}

variable "api_desired_count" {
  description = "API tasks."
  type        = number
  default     = 2
}

variable "api_max_count" {
  description = "Upper bound of API autoscaling."
  type        = number
  default     = 6
}

variable "app_cpu" {
  description = "Fargate CPU units of a BI app task."
  type        = number
  default     = 512
}

variable "app_memory" {
  description = "Fargate memory (MiB) of a BI app task."
  type        = number
  default     = 2048
}

variable "app_desired_count" {
  description = "BI app tasks."
  type        = number
  default     = 1
}

variable "dagster_cpu" {
  description = "Fargate CPU units of the Dagster webserver and daemon tasks."
  type        = number
  default     = 1024
}

variable "dagster_memory" {
  description = "Fargate memory (MiB) of the Dagster webserver and daemon tasks."
  type        = number
  default     = 4096
}

variable "mlflow_cpu" {
  description = "Fargate CPU units of the MLflow server task."
  type        = number
  default     = 512
}

variable "mlflow_memory" {
  description = "Fargate memory (MiB) of the MLflow server task."
  type        = number
  default     = 1024
}

# ---------------------------------------------------------------- monitoring
variable "log_retention_days" {
  description = "CloudWatch log retention, days."
  type        = number
  default     = 30
}

variable "alarm_email" {
  description = "E-mail subscribed to the alarm topic (empty: no subscription)."
  type        = string
  default     = ""
}

variable "s3_force_destroy" {
  description = "Allow destroying non-empty buckets (dev only)."
  type        = bool
  default     = false
}
