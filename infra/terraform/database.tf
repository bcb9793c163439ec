# RDS PostgreSQL: one instance, three databases (ecom warehouse, mlflow, dagster) with their own
# roles (infra/postgres/10-roles.sh, run once; see docs/deploy.md). Optional Redshift warehouse.
resource "aws_db_subnet_group" "main" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "postgres" {
  name   = "${local.name}-pg16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

resource "aws_db_instance" "main" {
  identifier     = local.name
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  # No initial database: infra/postgres/10-roles.sh creates ecom, mlflow and dagster.
  username = "ecom_admin"
  # The master password lives in a Secrets Manager secret that RDS creates and rotates.
  manage_master_user_password = true

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.database.id]
  parameter_group_name   = aws_db_parameter_group.postgres.name
  publicly_accessible    = false
  multi_az               = var.db_multi_az

  backup_retention_period         = var.db_backup_retention_days
  deletion_protection             = var.db_deletion_protection
  skip_final_snapshot             = !var.db_deletion_protection
  final_snapshot_identifier       = "${local.name}-final"
  copy_tags_to_snapshot           = true
  auto_minor_version_upgrade      = true
  performance_insights_enabled    = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_redshift_subnet_group" "main" {
  count = var.enable_redshift ? 1 : 0

  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_redshift_cluster" "warehouse" {
  count = var.enable_redshift ? 1 : 0

  cluster_identifier = "${local.name}-warehouse"
  database_name      = "ecom"
  master_username    = "ecom_admin"
  # Stored in Secrets Manager by Redshift itself.
  manage_master_password = true

  node_type       = var.redshift_node_type
  cluster_type    = var.redshift_number_of_nodes > 1 ? "multi-node" : "single-node"
  number_of_nodes = var.redshift_number_of_nodes

  cluster_subnet_group_name = aws_redshift_subnet_group.main[0].name
  vpc_security_group_ids    = [aws_security_group.database.id]
  publicly_accessible       = false
  encrypted                 = true
  enhanced_vpc_routing      = true

  automated_snapshot_retention_period = var.db_backup_retention_days
  skip_final_snapshot                 = !var.db_deletion_protection
  final_snapshot_identifier           = "${local.name}-warehouse-final"
}
