variable "bucket" {
  type        = string
  description = "Name of the bucket. Leave null to let AWS generate a unique name from `bucket_prefix`."
  default     = null

  validation {
    condition     = var.bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "bucket_prefix" {
  type        = string
  description = "Prefix of the generated bucket name, used when `bucket` is null. AWS appends 26 characters, so at most 37 characters."
  default     = null

  validation {
    condition     = var.bucket_prefix == null || can(regex("^[a-z0-9][a-z0-9.-]{0,36}$", var.bucket_prefix))
    error_message = "bucket_prefix must be 1-37 characters of lowercase letters, digits, dots and hyphens, starting with a letter or digit."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Whether `terraform destroy` deletes the bucket even when it still holds objects (and object versions)."
  default     = false
  nullable    = false
}

variable "versioning_enabled" {
  type        = bool
  description = "Whether to keep every version of every object. Turning it off later suspends versioning; existing versions stay."
  default     = false
  nullable    = false
}

variable "expiration_days" {
  type        = number
  description = "Delete objects this many days after they were written. Null keeps them until deleted."
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be null or a whole number of days >= 1."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "With versioning on: delete overwritten or deleted (noncurrent) object versions this many days after they became noncurrent."
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days >= 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  type        = number
  description = "Delete the parts of multipart uploads that were never completed this many days after they started."
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days >= 1."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the customer managed KMS key that encrypts the objects (SSE-KMS, with a bucket key). Null: S3-managed keys (SSE-S3). Whoever reads or writes objects needs kms:Decrypt or kms:GenerateDataKey on the key."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || (can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.kms_key_arn)) && !can(regex(":alias/", var.kms_key_arn)))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id: IAM policies and bucket encryption need the key's ARN."
  }
}

variable "access_logging" {
  type = object({
    target_bucket = string
    target_prefix = optional(string)
  })
  description = "Server access logging: the bucket receiving the logs (it must allow logging.s3.amazonaws.com to write, and must not be this bucket) and the key prefix (null: \"<bucket name>/\"). Null: no access logs."
  default     = null

  validation {
    condition     = var.access_logging == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_logging.target_bucket))
    error_message = "access_logging.target_bucket must be a bucket name (3-63 lowercase letters, digits, dots and hyphens), not an ARN."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the bucket."
  default     = {}
  nullable    = false
}
