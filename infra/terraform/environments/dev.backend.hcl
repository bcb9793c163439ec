# terraform init -backend-config=environments/dev.backend.hcl
bucket         = "ecom-terraform-state-123456789012"
key            = "ecom-platform/dev/terraform.tfstate"
region         = "eu-west-1"
dynamodb_table = "ecom-terraform-locks"
