# terraform init -backend-config=environments/prod.backend.hcl
bucket         = "ecom-terraform-state-123456789012"
key            = "ecom-platform/prod/terraform.tfstate"
region         = "eu-west-1"
dynamodb_table = "ecom-terraform-locks"
