terraform {
  required_version = ">= 1.9" # variable validations refer to the model catalogue (a local)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    # Runs scripts/package.py during plan to build the function zips.
    external = {
      source  = "hashicorp/external"
      version = "~> 2.3"
    }
  }
}
