variable "function_name" {
  type        = string
  description = "Name of the Lambda function; also names its role, log group (/aws/lambda/<name>) and dead-letter queue (<name>-dlq)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.function_name))
    error_message = "function_name must be 1-60 letters, digits, hyphens or underscores (the dead-letter queue appends \"-dlq\")."
  }
}

variable "description" {
  type        = string
  description = "Description of the Lambda function."
  default     = ""
  nullable    = false
}

variable "handler" {
  type        = string
  description = "Handler of the function, as `package.module.function`."
}

variable "runtime" {
  type        = string
  description = "Lambda runtime identifier."
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function: arm64 (cheaper per GB-second) or x86_64."
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "filename" {
  type        = string
  description = "Path of the deployment package (zip)."
}

variable "source_code_hash" {
  type        = string
  description = "Base64-encoded SHA-256 of the deployment package; the code is uploaded again when it changes."
}

variable "memory_size" {
  type        = number
  description = "Memory of the function in MB (CPU grows with it)."
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  type        = number
  description = "Timeout of one invocation in seconds."
  default     = 60
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "reserved_concurrent_executions" {
  type        = number
  description = "Concurrent executions reserved for (and limiting) the function; -1 leaves it unreserved."
  default     = -1
  nullable    = false

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "environment_variables" {
  type        = map(string)
  description = "Environment variables of the function."
  default     = {}
  nullable    = false
}

variable "log_retention_in_days" {
  type        = number
  description = "Days to keep the function's CloudWatch logs."
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Name of the bucket whose object-created events invoke the function. The function may read its objects."
}

variable "source_bucket_arn" {
  type        = string
  description = "ARN of the source bucket."
}

variable "output_bucket_arn" {
  type        = string
  description = "ARN of the bucket the function writes to. Must differ from the source bucket, or each write would invoke the function again."
}

variable "notification_filters" {
  type = map(object({
    filter_prefix = optional(string)
    filter_suffix = optional(string)
  }))
  description = "Object key filters of the S3 notification, one notification rule per entry; the key names the rule."

  validation {
    condition     = length(var.notification_filters) > 0
    error_message = "notification_filters needs at least one entry."
  }
}

variable "notification_events" {
  type        = list(string)
  description = "S3 event types that invoke the function."
  default     = ["s3:ObjectCreated:*"]
  nullable    = false
}

variable "event_rules" {
  type = map(object({
    description   = string
    event_pattern = string
  }))
  description = "EventBridge rules on the default event bus that also invoke the function, keyed by a short name (the rule is named <function_name>-<key>); `event_pattern` is the pattern as JSON. Lambda invokes the function asynchronously for them, so the retries and the dead-letter queue apply to these events too."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for key in keys(var.event_rules) : can(regex("^[a-z0-9][a-z0-9-]{0,18}$", key))])
    error_message = "event_rules keys are 1-19 lowercase letters, digits and hyphens (they end the rule's name)."
  }
}

variable "policy_statements" {
  type = map(object({
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))), {})
  }))
  description = "Further Allow statements of the function's role, keyed by statement id (letters and digits). `conditions` is an IAM condition block, operator => key => values, e.g. { StringEquals = { \"kms:ViaService\" = [\"s3.eu-west-1.amazonaws.com\"] } }. Reading the source bucket, writing the output bucket, logging and the dead-letter queue are always granted."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for sid in keys(var.policy_statements) : can(regex("^[A-Za-z0-9]+$", sid))])
    error_message = "policy_statements keys are IAM statement ids: letters and digits only."
  }
}

variable "maximum_retry_attempts" {
  type        = number
  description = "How often Lambda retries a failed asynchronous invocation (S3 events) before sending it to the dead-letter queue."
  default     = 2
  nullable    = false

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_in_seconds" {
  type        = number
  description = "Oldest age of an event Lambda still tries to process; older events go to the dead-letter queue."
  default     = 21600
  nullable    = false

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number between 60 and 21600."
  }
}

variable "dead_letter_message_retention_seconds" {
  type        = number
  description = "How long the dead-letter queue keeps a failed event (60 s to 14 days)."
  default     = 1209600
  nullable    = false

  validation {
    condition     = var.dead_letter_message_retention_seconds >= 60 && var.dead_letter_message_retention_seconds <= 1209600 && floor(var.dead_letter_message_retention_seconds) == var.dead_letter_message_retention_seconds
    error_message = "dead_letter_message_retention_seconds must be a whole number between 60 and 1209600 (14 days)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the customer managed KMS key that encrypts the dead-letter queue (the role may then use it through SQS). Null: SQS-managed encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || (can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.kms_key_arn)) && !can(regex(":alias/", var.kms_key_arn)))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "log_group_kms_key_arn" {
  type        = string
  description = "ARN of the customer managed KMS key that encrypts the log group; its key policy must let logs.<region>.amazonaws.com use it for this log group. Null: CloudWatch Logs' own encryption."
  default     = null

  validation {
    condition     = var.log_group_kms_key_arn == null || (can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.log_group_kms_key_arn)) && !can(regex(":alias/", var.log_group_kms_key_arn)))
    error_message = "log_group_kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "tracing_mode" {
  type        = string
  description = "X-Ray tracing of the function: PassThrough (trace only requests that arrive sampled) or Active (sample and trace; the role gets xray:PutTraceSegments and xray:PutTelemetryRecords)."
  default     = "PassThrough"
  nullable    = false

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
  nullable    = false
}
