# Credentials the tasks read at start-up (ECS `secrets`, never plain environment values).
# Role passwords are generated here; the RDS master password is managed by RDS itself.
# Passwords are alphanumeric so that they can sit in connection URLs unescaped.
locals {
  db_roles = toset(["ecom_transformer", "ecom_reader", "mlflow", "dagster"])
}

resource "random_password" "db_role" {
  for_each = local.db_roles

  length  = 40
  special = false
}

resource "random_password" "api_key" {
  length  = 48
  special = false
}

locals {
  db_host = aws_db_instance.main.address

  # A static key set: for_each may not iterate over values derived from sensitive ones.
  secret_names = toset(["transformer_url", "reader_url", "mlflow_db_url", "dagster_pg", "api_key"])

  secret_values = {
    transformer_url = "postgresql://ecom_transformer:${random_password.db_role["ecom_transformer"].result}@${local.db_host}:5432/ecom?sslmode=require"
    reader_url      = "postgresql://ecom_reader:${random_password.db_role["ecom_reader"].result}@${local.db_host}:5432/ecom?sslmode=require"
    mlflow_db_url   = "postgresql+psycopg://mlflow:${random_password.db_role["mlflow"].result}@${local.db_host}:5432/mlflow?sslmode=require"
    dagster_pg      = random_password.db_role["dagster"].result
    api_key         = random_password.api_key.result
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secret_names

  name                    = "${local.name}/${each.key}"
  description             = "ecom platform ${var.environment}: ${each.key}"
  recovery_window_in_days = var.environment == "prod" ? 30 : 7
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = local.secret_names

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = local.secret_values[each.key]
}
