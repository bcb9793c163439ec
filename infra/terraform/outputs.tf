output "alb_dns_name" {
  description = "Point the api., app., dagster. and mlflow. records of var.domain_name here."
  value       = aws_lb.main.dns_name
}

output "service_urls" {
  description = "HTTPS URL of each web service."
  value       = { for k, v in local.web_services : k => "https://${v.host}" }
}

output "ecr_repository_urls" {
  description = "Where CD pushes each image."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "ecs_cluster_name" {
  description = "ECS cluster running the services."
  value       = aws_ecs_cluster.main.name
}

output "rds_endpoint" {
  description = "RDS PostgreSQL host:port (private)."
  value       = aws_db_instance.main.endpoint
}

output "rds_master_secret_arn" {
  description = "Secrets Manager secret holding the RDS master credentials (managed by RDS)."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "redshift_endpoint" {
  description = "Redshift endpoint when enable_redshift, else null."
  value       = var.enable_redshift ? aws_redshift_cluster.warehouse[0].endpoint : null
}

output "bucket_names" {
  description = "S3 buckets: raw lake and MLflow artifacts."
  value       = { for k, b in aws_s3_bucket.this : k => b.bucket }
}

output "secret_arns" {
  description = "Secrets Manager ARNs of the platform credentials."
  value       = local.secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic receiving every alarm."
  value       = aws_sns_topic.alarms.arn
}

output "private_subnet_ids" {
  description = "Private subnets (for one-off ECS tasks such as the role bootstrap)."
  value       = aws_subnet.private[*].id
}

output "task_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.tasks.id
}
