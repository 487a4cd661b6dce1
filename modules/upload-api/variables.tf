variable "name" {
  type        = string
  description = "Name of the REST API; also names its IAM role(s), API key and usage plan."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,50}$", var.name))
    error_message = "name must be 1-50 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  type        = string
  description = "Description of the REST API."
  default     = "Uploads files into an S3 bucket: PUT /{folder}/{object} stores the body at key {folder}/{object}."
  nullable    = false
}

variable "bucket_name" {
  type        = string
  description = "Name of the bucket the API writes into. It is fixed in the integration; callers choose only the key."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of that bucket (the API's role may only put objects into it)."
}

variable "stage_name" {
  type        = string
  description = "Name of the stage; the first path segment of the upload URL."
  default     = "v1"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "endpoint_type" {
  type        = string
  description = "Endpoint type of the API: REGIONAL or EDGE."
  default     = "REGIONAL"
  nullable    = false

  validation {
    condition     = contains(["REGIONAL", "EDGE"], var.endpoint_type)
    error_message = "endpoint_type must be REGIONAL or EDGE."
  }
}

variable "binary_media_types" {
  type        = list(string)
  description = "Content types API Gateway passes through as bytes. Anything else is treated as UTF-8 text, which corrupts audio."
  default     = ["*/*"]
  nullable    = false
}

variable "api_key_required" {
  type        = bool
  description = "Whether callers must send an API key (header x-api-key). When true, the module creates the key and a usage plan."
  default     = true
  nullable    = false
}

variable "throttle_rate_limit" {
  type        = number
  description = "Steady-state request rate (requests per second) of the stage, and of each API key."
  default     = 5
  nullable    = false

  validation {
    condition     = var.throttle_rate_limit > 0
    error_message = "throttle_rate_limit must be > 0."
  }
}

variable "throttle_burst_limit" {
  type        = number
  description = "Request burst of the stage, and of each API key."
  default     = 10
  nullable    = false

  validation {
    condition     = var.throttle_burst_limit >= 0 && floor(var.throttle_burst_limit) == var.throttle_burst_limit
    error_message = "throttle_burst_limit must be a whole number >= 0."
  }
}

variable "quota_limit" {
  type        = number
  description = "Requests allowed per API key in each quota period; null for no quota."
  default     = 1000

  validation {
    condition     = var.quota_limit == null || try(var.quota_limit >= 1 && floor(var.quota_limit) == var.quota_limit, false)
    error_message = "quota_limit must be null or a whole number >= 1."
  }
}

variable "quota_period" {
  type        = string
  description = "Period of the quota: DAY, WEEK or MONTH."
  default     = "DAY"
  nullable    = false

  validation {
    condition     = contains(["DAY", "WEEK", "MONTH"], var.quota_period)
    error_message = "quota_period must be DAY, WEEK or MONTH."
  }
}

variable "integration_timeout_milliseconds" {
  type        = number
  description = "How long API Gateway waits for S3 (50-29000 ms)."
  default     = 29000
  nullable    = false

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 29000
    error_message = "integration_timeout_milliseconds must be between 50 and 29000."
  }
}

variable "access_log_enabled" {
  type        = bool
  description = "Whether the stage writes access logs to CloudWatch Logs. Needs the account's API Gateway CloudWatch role (see `create_account_cloudwatch_role`)."
  default     = false
  nullable    = false
}

variable "access_log_format" {
  type        = string
  description = "Format of an access log line; null for a JSON line with request id, caller, key, status and S3's status."
  default     = null
}

variable "log_retention_in_days" {
  type        = number
  description = "Days to keep access logs and the presign function's logs."
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "create_account_cloudwatch_role" {
  type        = bool
  description = "Whether to create the role API Gateway uses to write logs and set it in the account's API Gateway settings. That setting is one per account and Region, shared by every API there: enable it only if nothing else manages it."
  default     = false
  nullable    = false
}

variable "bucket_kms_key_arn" {
  type        = string
  description = "ARN of the customer managed KMS key the bucket encrypts with (SSE-KMS). The API's role then may use it, through S3 and for this bucket only, to encrypt uploads. Null: the bucket uses S3-managed keys."
  default     = null

  validation {
    condition     = var.bucket_kms_key_arn == null || (can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.bucket_kms_key_arn)) && !can(regex(":alias/", var.bucket_kms_key_arn)))
    error_message = "bucket_kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "log_group_kms_key_arn" {
  type        = string
  description = "ARN of the customer managed KMS key that encrypts the access log group and the presign function's log group; its key policy must let logs.<region>.amazonaws.com use it for them. Null: CloudWatch Logs' own encryption."
  default     = null

  validation {
    condition     = var.log_group_kms_key_arn == null || (can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.log_group_kms_key_arn)) && !can(regex(":alias/", var.log_group_kms_key_arn)))
    error_message = "log_group_kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "xray_tracing_enabled" {
  type        = bool
  description = "Whether the stage traces requests with AWS X-Ray, and the presign function too (Active tracing; its role then gets xray:PutTraceSegments and xray:PutTelemetryRecords on \"*\")."
  default     = false
  nullable    = false
}

variable "web_acl_arn" {
  type        = string
  description = "ARN of a regional AWS WAF web ACL to associate with the stage. Null: no web ACL."
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$", var.web_acl_arn))
    error_message = "web_acl_arn must be the ARN of a regional WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)."
  }
}

variable "presigned_upload_enabled" {
  type        = bool
  description = "Whether POST /{folder}/{object} answers with a presigned S3 PUT URL for that key, for files over API Gateway's 10 MB body limit (up to Amazon Transcribe's 2 GB). It needs the presign function's package (presign_function_filename)."
  default     = true
  nullable    = false
}

variable "presigned_url_expiry_seconds" {
  type        = number
  description = "How long a presigned upload URL stays valid, 60-3600 seconds. The upload must start within that time."
  default     = 900
  nullable    = false

  validation {
    condition     = var.presigned_url_expiry_seconds >= 60 && var.presigned_url_expiry_seconds <= 3600 && floor(var.presigned_url_expiry_seconds) == var.presigned_url_expiry_seconds
    error_message = "presigned_url_expiry_seconds must be a whole number between 60 and 3600."
  }
}

variable "presign_function_name" {
  type        = string
  description = "Name of the presign function, its role and log group (/aws/lambda/<name>). Null: <name>-presign."
  default     = null

  validation {
    condition     = var.presign_function_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.presign_function_name))
    error_message = "presign_function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "presign_function_filename" {
  type        = string
  description = "Path of the presign function's package (presign_upload.zip from scripts/package.py). Required when presigned_upload_enabled."
  default     = null
}

variable "presign_function_source_code_hash" {
  type        = string
  description = "Base64-encoded SHA-256 of that package; the code is uploaded again when it changes."
  default     = null
}

variable "presign_function_handler" {
  type        = string
  description = "Handler of the presign function, as `package.module.function`."
  default     = "presign_upload.handler.handler"
  nullable    = false
}

variable "presign_function_runtime" {
  type        = string
  description = "Python runtime of the presign function (and of the results function)."
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = contains(["python3.12", "python3.13"], var.presign_function_runtime)
    error_message = "presign_function_runtime must be python3.12 or python3.13."
  }
}

variable "presign_function_architecture" {
  type        = string
  description = "Instruction set of the presign function (and of the results function): arm64 or x86_64."
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.presign_function_architecture)
    error_message = "presign_function_architecture must be arm64 or x86_64."
  }
}

variable "presign_function_memory_size" {
  type        = number
  description = "Memory of the presign function in MB; signing a URL needs little."
  default     = 128
  nullable    = false

  validation {
    condition     = var.presign_function_memory_size >= 128 && var.presign_function_memory_size <= 10240 && floor(var.presign_function_memory_size) == var.presign_function_memory_size
    error_message = "presign_function_memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "presign_function_timeout" {
  type        = number
  description = "Timeout of the presign function in seconds, 1-29: API Gateway answers 504 after 29 s anyway."
  default     = 10
  nullable    = false

  validation {
    condition     = var.presign_function_timeout >= 1 && var.presign_function_timeout <= 29 && floor(var.presign_function_timeout) == var.presign_function_timeout
    error_message = "presign_function_timeout must be a whole number of seconds between 1 and 29."
  }
}

variable "presign_function_reserved_concurrent_executions" {
  type        = number
  description = "Concurrent executions reserved for (and limiting) the presign function; -1 leaves it unreserved (the stage and usage plan throttle the route)."
  default     = -1
  nullable    = false

  validation {
    condition     = var.presign_function_reserved_concurrent_executions >= -1 && floor(var.presign_function_reserved_concurrent_executions) == var.presign_function_reserved_concurrent_executions
    error_message = "presign_function_reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "presign_function_log_level" {
  type        = string
  description = "Log level of the presign function and the results function (LOG_LEVEL)."
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.presign_function_log_level)
    error_message = "presign_function_log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module that takes tags."
  default     = {}
  nullable    = false
}

variable "results_api_enabled" {
  type        = bool
  description = "Whether GET /{folder}/{object} answers with the upload's status and presigned GET URLs of its results (or, with ?format=html, the player page). It needs the results function's package (results_function_filename) and results_buckets."
  default     = true
  nullable    = false
}

variable "results_url_expiry_seconds" {
  type        = number
  description = "How long the presigned GET URLs of the results route stay valid, 60-3600 seconds (and never longer than the function's session credentials)."
  default     = 900
  nullable    = false

  validation {
    condition     = var.results_url_expiry_seconds >= 60 && var.results_url_expiry_seconds <= 3600 && floor(var.results_url_expiry_seconds) == var.results_url_expiry_seconds
    error_message = "results_url_expiry_seconds must be a whole number between 60 and 3600."
  }
}

variable "results_buckets" {
  type = object({
    transcript_bucket_name = string
    transcript_bucket_arn  = string
    transcript_prefixes    = list(string)
    image_bucket_name      = string
    image_bucket_arn       = string
  })
  description = "Where the pipeline writes what the results route reads: the transcript bucket and the prefixes of its transcripts, job records and rejection records (contract.json), and the image bucket. Required when results_api_enabled."
  default     = null

  validation {
    condition     = var.results_buckets == null || alltrue([for prefix in try(var.results_buckets.transcript_prefixes, []) : can(regex("^[A-Za-z0-9._-]+/$", prefix))])
    error_message = "results_buckets.transcript_prefixes must be folder prefixes such as \"transcripts/\" (letters, digits, dot, underscore, hyphen, ending in \"/\")."
  }
}

variable "results_function_name" {
  type        = string
  description = "Name of the results function, its role and log group (/aws/lambda/<name>). Null: <name>-results."
  default     = null

  validation {
    condition     = var.results_function_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.results_function_name))
    error_message = "results_function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "results_function_filename" {
  type        = string
  description = "Path of the results function's package (read_results.zip from scripts/package.py). Required when results_api_enabled."
  default     = null
}

variable "results_function_source_code_hash" {
  type        = string
  description = "Base64-encoded SHA-256 of that package; the code is uploaded again when it changes."
  default     = null
}

variable "results_function_handler" {
  type        = string
  description = "Handler of the results function, as `package.module.function`."
  default     = "read_results.handler.handler"
  nullable    = false
}

variable "results_function_memory_size" {
  type        = number
  description = "Memory of the results function in MB: it reads a few small JSON objects and renders one page."
  default     = 256
  nullable    = false

  validation {
    condition     = var.results_function_memory_size >= 128 && var.results_function_memory_size <= 10240 && floor(var.results_function_memory_size) == var.results_function_memory_size
    error_message = "results_function_memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "results_function_timeout" {
  type        = number
  description = "Timeout of the results function in seconds, 1-29: API Gateway answers 504 after 29 s anyway."
  default     = 15
  nullable    = false

  validation {
    condition     = var.results_function_timeout >= 1 && var.results_function_timeout <= 29 && floor(var.results_function_timeout) == var.results_function_timeout
    error_message = "results_function_timeout must be a whole number of seconds between 1 and 29."
  }
}
