variable "region" {
  type        = string
  description = "AWS Region to deploy into; Amazon Transcribe and the chosen Bedrock models must be available there."
  default     = "us-east-1"
}

variable "name" {
  type        = string
  description = "Prefix of every resource name."
  default     = "talks"
}
