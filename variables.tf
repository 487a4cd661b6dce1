################################################################################
# General
################################################################################

variable "name" {
  type        = string
  description = "Prefix of every resource name (buckets, functions, roles, API). Lowercase letters, digits and hyphens."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit (it prefixes bucket names)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource that takes tags."
  default     = {}
  nullable    = false
}

################################################################################
# Buckets
################################################################################

variable "buckets" {
  type = object({
    audio = optional(object({
      name                               = optional(string)
      versioning_enabled                 = optional(bool, true)
      expiration_days                    = optional(number)
      noncurrent_version_expiration_days = optional(number, 30)
    }), {})
    transcript = optional(object({
      name                               = optional(string)
      versioning_enabled                 = optional(bool, false)
      expiration_days                    = optional(number)
      noncurrent_version_expiration_days = optional(number, 30)
    }), {})
    image = optional(object({
      name                               = optional(string)
      versioning_enabled                 = optional(bool, false)
      expiration_days                    = optional(number)
      noncurrent_version_expiration_days = optional(number, 30)
    }), {})
  })
  description = <<-EOT
    The three buckets: audio (uploads), transcript (Transcribe output, job and rejection records) and image
    (scene images, manifest, gallery). For each: `name` (null = generated from `name`, e.g. <name>-audio-<suffix>),
    `versioning_enabled` (default: on for audio, the only copy of the uploads; off for the others, which can be
    produced again), `expiration_days` (null = keep), `noncurrent_version_expiration_days`.
    The three names must differ: a function writing into its own input bucket would invoke itself.
  EOT
  default     = {}
  nullable    = false

  validation {
    condition     = length(distinct([for b in values(var.buckets) : b.name if b.name != null])) == length([for b in values(var.buckets) : b.name if b.name != null])
    error_message = "The audio, transcript and image buckets must be three different buckets: a function writing into its own input bucket would invoke itself."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b.name))])
    error_message = "Bucket names must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.expiration_days == null || try(b.expiration_days >= 1, false)])
    error_message = "expiration_days must be null or >= 1."
  }
}

variable "bucket_force_destroy" {
  type        = bool
  description = "Whether `terraform destroy` deletes the buckets even when they still hold objects. Keep false outside of tests and demos."
  default     = false
  nullable    = false
}

variable "bucket_access_log_bucket" {
  type        = string
  description = "Name of an existing bucket that receives the S3 server access logs of the three buckets, under <name>/<audio|transcript|image>/. Its bucket policy must let logging.s3.amazonaws.com write. Null: no access logs."
  default     = null

  validation {
    condition     = var.bucket_access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_access_log_bucket))
    error_message = "bucket_access_log_bucket must be a bucket name (3-63 lowercase letters, digits, dots and hyphens), not an ARN."
  }
}

################################################################################
# Encryption
################################################################################

variable "create_kms_key" {
  type        = bool
  description = "Whether to create a customer managed KMS key (alias/<name>, yearly rotation) that encrypts the three buckets (SSE-KMS with bucket keys), both dead-letter queues and, with `kms_encrypt_log_groups`, the log groups. The roles get exactly the kms actions they need on it. False (and no `kms_key_arn`): AWS managed encryption everywhere."
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of an existing customer managed KMS key to use instead of creating one (see `create_kms_key`). Its key policy must let IAM policies of the account grant its use and, with `kms_encrypt_log_groups`, let logs.<region>.amazonaws.com use it for the module's log groups."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id: IAM policies and bucket encryption need the key's ARN."
  }
}

variable "kms_encrypt_log_groups" {
  type        = bool
  description = "Whether the functions' log groups and the API's access log group use the customer managed key too (when there is one)."
  default     = true
  nullable    = false
}

variable "kms_key_deletion_window_in_days" {
  type        = number
  description = "Days between `terraform destroy` and the deletion of the created key (7-30); until then the key can be restored and the data read."
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number between 7 and 30."
  }
}

################################################################################
# Upload API
################################################################################

variable "api_stage_name" {
  type        = string
  description = "Stage of the upload API; the first path segment of the upload URL."
  default     = "v1"
  nullable    = false
}

variable "api_key_required" {
  type        = bool
  description = "Whether uploads need an API key (header x-api-key). When true, the module creates the key and a usage plan."
  default     = true
  nullable    = false
}

variable "api_throttle_rate_limit" {
  type        = number
  description = "Steady-state upload requests per second, for the stage and for each API key."
  default     = 5
  nullable    = false
}

variable "api_throttle_burst_limit" {
  type        = number
  description = "Upload request burst, for the stage and for each API key."
  default     = 10
  nullable    = false
}

variable "api_quota_limit" {
  type        = number
  description = "Uploads allowed per API key in each `api_quota_period`, a cost cap; null for no quota. One request is at most one upload: a direct PUT writes one object, and a presigned URL (one POST) is signed with `If-None-Match: *`, so replaying it creates no second object; the same bytes uploaded again to the same key start no new job. With the other defaults one upload costs at most about $3.30 when its length can be read from its header (2 h cap: 120 Transcribe minutes $2.88, 10 Stable Image Core images $0.40 and the prompt director), and at most about $6.20 when it cannot and Amazon Transcribe's own 4 h limit applies (240 minutes $5.76), so 1000 a month bounds a key's spend at about $6,200 (about $3,300 when every file's length is readable); `python3 scripts/estimate_cost.py --minutes 240`."
  default     = 1000
}

variable "api_quota_period" {
  type        = string
  description = "Period of the quota: DAY, WEEK or MONTH."
  default     = "MONTH"
  nullable    = false
}

variable "api_access_log_enabled" {
  type        = bool
  description = "Whether the upload API writes access logs. API Gateway needs the account's CloudWatch role for that: set it up outside this module or with `api_create_account_cloudwatch_role`."
  default     = false
  nullable    = false
}

variable "api_create_account_cloudwatch_role" {
  type        = bool
  description = "Whether to create API Gateway's CloudWatch role and set it in the account settings. The setting is one per account and Region, shared by every API there: enable it only if nothing else manages it. Destroying the module then resets the account's API Gateway settings (aws provider v6 always does, it has no `reset_on_delete`) and deletes the role, which stops execution and access logging of every REST API in that account and Region until a role is set again; keep the role and `aws_api_gateway_account` in a separate, long-lived configuration where that matters."
  default     = false
  nullable    = false
}

variable "api_web_acl_arn" {
  type        = string
  description = "ARN of a regional AWS WAF web ACL to associate with the upload API's stage. Null: none (the API key, usage plan and stage throttle still apply)."
  default     = null

  validation {
    condition     = var.api_web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$", var.api_web_acl_arn))
    error_message = "api_web_acl_arn must be the ARN of a regional WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)."
  }
}

variable "presigned_upload_enabled" {
  type        = bool
  description = "Whether the upload API also answers POST /{folder}/{object} (same API key) with a presigned S3 PUT URL for that key: the way in for files over API Gateway's 10 MB body limit, up to Amazon Transcribe's 2 GB. A small function checks name, format, size and content type before signing."
  default     = true
  nullable    = false
}

variable "presigned_url_expiry_seconds" {
  type        = number
  description = "How long a presigned upload URL stays valid, 60-3600 seconds; the upload must start within that time."
  default     = 900
  nullable    = false

  validation {
    condition     = var.presigned_url_expiry_seconds >= 60 && var.presigned_url_expiry_seconds <= 3600 && floor(var.presigned_url_expiry_seconds) == var.presigned_url_expiry_seconds
    error_message = "presigned_url_expiry_seconds must be a whole number between 60 and 3600."
  }
}

variable "results_api_enabled" {
  type        = bool
  description = "Whether the upload API also answers GET /{folder}/{object} (same API key) with the upload's status (uploaded, rejected, transcribing, illustrating, complete, partial, failed) and presigned GET URLs of its results, and with ?format=html its player page: results with nothing but the API key. A small read-only function answers."
  default     = true
  nullable    = false
}

variable "notification_email_addresses" {
  type        = list(string)
  description = "E-mail addresses told when each uploaded file is done (complete, partial, failed, rejected, transcription-failed), with the results link. Non-empty: an encrypted SNS topic, its key, and an EventBridge rule on the default bus. Each address confirms its subscription once, by the link AWS mails it."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for address in var.notification_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "notification_email_addresses must be e-mail addresses such as talks@example.com."
  }
}

variable "results_url_expiry_seconds" {
  type        = number
  description = "How long the presigned GET URLs of the results route stay valid, 60-3600 seconds."
  default     = 900
  nullable    = false

  validation {
    condition     = var.results_url_expiry_seconds >= 60 && var.results_url_expiry_seconds <= 3600 && floor(var.results_url_expiry_seconds) == var.results_url_expiry_seconds
    error_message = "results_url_expiry_seconds must be a whole number between 60 and 3600."
  }
}

################################################################################
# Functions (both)
################################################################################

variable "tracing_enabled" {
  type        = bool
  description = "Whether to trace with AWS X-Ray: Active tracing on the functions (their roles get xray:PutTraceSegments and xray:PutTelemetryRecords, which take no resource but \"*\") and tracing on the upload API's stage. X-Ray bills per trace."
  default     = false
  nullable    = false
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of the functions (transcription, image and, with presigned_upload_enabled, presign)."
  default     = "python3.13"
  nullable    = false
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of the functions: arm64 (cheaper per GB-second) or x86_64."
  default     = "arm64"
  nullable    = false
}

variable "log_retention_in_days" {
  type        = number
  description = "Days to keep the functions' (and the API's access) logs."
  default     = 30
  nullable    = false
}

variable "log_level" {
  type        = string
  description = "Log level of the functions (LOG_LEVEL)."
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "dead_letter_message_retention_seconds" {
  type        = number
  description = "How long the functions' dead-letter queues keep events that failed every attempt (60 s to 14 days)."
  default     = 1209600
  nullable    = false

  validation {
    condition     = var.dead_letter_message_retention_seconds >= 60 && var.dead_letter_message_retention_seconds <= 1209600 && floor(var.dead_letter_message_retention_seconds) == var.dead_letter_message_retention_seconds
    error_message = "dead_letter_message_retention_seconds must be a whole number between 60 and 1209600 (14 days)."
  }
}

variable "python_executable" {
  type        = string
  description = "Python 3 interpreter that runs scripts/package.py during plan to build the function zips."
  default     = "python3"
  nullable    = false
}

################################################################################
# Transcription function
################################################################################

variable "transcription_memory_size" {
  type        = number
  description = "Memory (MB) of the transcription function."
  default     = 256
  nullable    = false
}

variable "transcription_timeout" {
  type        = number
  description = "Timeout (s) of the transcription function; it only starts jobs, it never waits for them."
  default     = 60
  nullable    = false
}

variable "transcription_maximum_retry_attempts" {
  type        = number
  description = "Retries (0-2) of a failed transcription invocation before the event goes to its dead-letter queue."
  default     = 2
  nullable    = false

  validation {
    condition     = contains([0, 1, 2], var.transcription_maximum_retry_attempts)
    error_message = "transcription_maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "transcription_maximum_event_age_in_seconds" {
  type        = number
  description = "Oldest upload event (60-21600 s) the transcription function still processes."
  default     = 21600
  nullable    = false

  validation {
    condition     = var.transcription_maximum_event_age_in_seconds >= 60 && var.transcription_maximum_event_age_in_seconds <= 21600
    error_message = "transcription_maximum_event_age_in_seconds must be between 60 and 21600."
  }
}

variable "language_code" {
  type        = string
  description = "Language of the audio, e.g. en-US (LANGUAGE_CODE). Null: Amazon Transcribe identifies it."
  default     = null

  validation {
    condition     = var.language_code == null || can(regex("^[a-z]{2,3}-[A-Z]{2}$", var.language_code))
    error_message = "language_code must look like en-US (or be null for automatic identification)."
  }
}

variable "language_options" {
  type        = list(string)
  description = "2-5 languages automatic identification may choose from, e.g. [\"en-US\", \"de-DE\"] (LANGUAGE_OPTIONS). Only with language_code = null."
  default     = []
  nullable    = false

  validation {
    condition     = contains([0, 2, 3, 4, 5], length(var.language_options)) && alltrue([for code in var.language_options : can(regex("^[a-z]{2,3}-[A-Z]{2}$", code))])
    error_message = "language_options takes none, or 2 to 5 codes like en-US (a single language belongs in language_code)."
  }
}

variable "max_speaker_labels" {
  type        = number
  description = "0: no speaker identification; 2-30: label up to that many speakers (MAX_SPEAKER_LABELS)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.max_speaker_labels == 0 || (var.max_speaker_labels >= 2 && var.max_speaker_labels <= 30 && floor(var.max_speaker_labels) == var.max_speaker_labels)
    error_message = "max_speaker_labels must be 0 or a whole number between 2 and 30."
  }
}

variable "max_audio_seconds" {
  type        = number
  description = "Longest audio accepted, in seconds (MAX_AUDIO_SECONDS), a cost cap: the transcription function reads the length from the file's header (two ranged reads of at most 64 KB) and rejects longer files with errors/<job>.json (reason too-long) before any job starts; files whose length cannot be read are left to Amazon Transcribe. The default, 2 h, bounds one upload's Transcribe cost at 120 minutes; up to 14400 (4 h, Amazon Transcribe's own limit)."
  default     = 7200
  nullable    = false

  validation {
    condition     = var.max_audio_seconds >= 1 && var.max_audio_seconds <= 14400 && floor(var.max_audio_seconds) == var.max_audio_seconds
    error_message = "max_audio_seconds must be a whole number of seconds between 1 and 14400 (Amazon Transcribe's 4-hour limit)."
  }
}

variable "transcribe_allow_deferred_execution" {
  type        = bool
  description = "Whether jobs over the account's concurrent-job quota wait in Amazon Transcribe's queue (JobExecutionSettings.AllowDeferredExecution; up to 10,000 queued jobs, run first in, first out) instead of failing with LimitExceededException. On by default: without it a burst over the quota (250 concurrent jobs by default, fewer in new accounts) is retried by Lambda only twice within about 3 minutes, shorter than a job runs, and the rest ends in the dead-letter queue for `scripts/redrive.py`. Creates the data-access role Transcribe then uses to read the audio and write the transcripts (DATA_ACCESS_ROLE_ARN); the transcription role may pass only that role, only to Transcribe."
  default     = true
  nullable    = false
}

variable "vocabulary_name" {
  type        = string
  description = "Amazon Transcribe custom vocabulary for the audio's language (Settings.VocabularyName, VOCABULARY_NAME); needs language_code. Null: none."
  default     = null

  validation {
    condition     = var.vocabulary_name == null || can(regex("^[0-9a-zA-Z._-]{1,200}$", var.vocabulary_name))
    error_message = "vocabulary_name must be 1-200 letters, digits, '.', '_' or '-' (or null)."
  }
}

variable "vocabulary_filter_name" {
  type        = string
  description = "Amazon Transcribe vocabulary filter: words to remove, mask or tag (Settings.VocabularyFilterName, VOCABULARY_FILTER_NAME); needs language_code. Null: none."
  default     = null

  validation {
    condition     = var.vocabulary_filter_name == null || can(regex("^[0-9a-zA-Z._-]{1,200}$", var.vocabulary_filter_name))
    error_message = "vocabulary_filter_name must be 1-200 letters, digits, '.', '_' or '-' (or null)."
  }
}

variable "vocabulary_filter_method" {
  type        = string
  description = "What the vocabulary filter does with its words (VOCABULARY_FILTER_METHOD): remove, mask (shown as ***) or tag."
  default     = "mask"
  nullable    = false

  validation {
    condition     = contains(jsondecode(file("${path.module}/functions/start_transcription/controls.json")).vocabulary_filter_methods, var.vocabulary_filter_method)
    error_message = "vocabulary_filter_method must be remove, mask or tag."
  }
}

variable "redact_pii" {
  type        = bool
  description = "Redact personal information in the transcript and so in the subtitles, which then show [PII] (ContentRedaction, REDACT_PII). Amazon Transcribe redacts batch jobs only in en-US, es-US, fr-FR, fr-CA, de-DE, de-CH, it-IT, pt-PT and pt-BR (not Korean) and not with language identification, so it needs one of those as language_code."
  default     = false
  nullable    = false
}

################################################################################
# Image function
################################################################################

variable "image_memory_size" {
  type        = number
  description = "Memory (MB) of the image function."
  default     = 512
  nullable    = false
}

variable "image_timeout" {
  type        = number
  description = "Timeout (s) of the image function; it calls the image model once per scene."
  default     = 900
  nullable    = false
}

variable "image_reserved_concurrent_executions" {
  type        = number
  description = "Concurrent executions reserved for, and limiting, the image function; -1 (the default) reserves none. Lambda refuses a reservation that leaves the account fewer than 100 unreserved executions (an account with the usual quota of 1000), and new accounts whose quota is 10 or 50 refuse any (\"decreases account's UnreservedConcurrentExecution below its minimum value of [10]\"). Without a reservation, parallel Bedrock calls are at most `image_concurrency` per invocation times the image invocations running at once, which is the number of transcripts finishing together (bounded by Amazon Transcribe's concurrent-job quota); the model's adaptive retries back off when Bedrock throttles. Set a number only where the account has the room."
  default     = -1
  nullable    = false
}

variable "image_maximum_retry_attempts" {
  type        = number
  description = "Retries (0-2) of a failed image invocation before the event goes to its dead-letter queue. Each retry may call the image model again."
  default     = 1
  nullable    = false

  validation {
    condition     = contains([0, 1, 2], var.image_maximum_retry_attempts)
    error_message = "image_maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "image_maximum_event_age_in_seconds" {
  type        = number
  description = "Oldest transcript event (60-21600 s) the image function still processes."
  default     = 21600
  nullable    = false

  validation {
    condition     = var.image_maximum_event_age_in_seconds >= 60 && var.image_maximum_event_age_in_seconds <= 21600
    error_message = "image_maximum_event_age_in_seconds must be between 60 and 21600."
  }
}

variable "image_model_id" {
  type        = string
  description = "Amazon Bedrock image model (IMAGE_MODEL_ID), one of the Active models in functions/pipeline_core/models.json: stability.stable-image-core-v1:1 (default, the cheapest), stability.stable-image-ultra-v1:1, stability.sd3-5-large-v1:0 or us.amazon.nova-2-omni-v1:0 (Preview). Retired models (Nova Canvas, Titan, Stability v1:0) are refused with their end-of-life date."
  default     = "stability.stable-image-core-v1:1"
  nullable    = false

  # The same sentence as the function's ConfigError and scripts/preview_scenes.py (pipeline_core/models.py).
  validation {
    condition     = try(contains(local.usable_model_states, local.model_catalogue.image_models[var.image_model_id].lifecycle.state), false)
    error_message = "image_model_id: ${try("model \"${var.image_model_id}\" (${local.model_catalogue.image_models[var.image_model_id].name}) is ${local.model_catalogue.image_models[var.image_model_id].lifecycle.state}: it reached end of life on ${coalesce(local.model_catalogue.image_models[var.image_model_id].lifecycle.end_of_life, "a date AWS did not publish")} and Bedrock refuses every request.", "model \"${var.image_model_id}\" is not in the image-model catalogue (models.json).")} Active image models: ${join(", ", local.usable_image_models)}."
  }
}

variable "bedrock_region" {
  type        = string
  description = "Region in which the functions call Amazon Bedrock (BEDROCK_REGION). Null: the image model's home Region from the catalogue (us-west-2 for the Stability models), which may differ from the Region the module is deployed in."
  default     = null

  validation {
    condition     = var.bedrock_region == null || try(contains(local.model_catalogue.image_models[var.image_model_id].regions, var.bedrock_region), true)
    error_message = "bedrock_region: ${var.image_model_id} runs on demand in ${try(join(", ", local.model_catalogue.image_models[var.image_model_id].regions), "its catalogue Regions")}, not in ${coalesce(var.bedrock_region, "null")}."
  }
}

variable "prompt_director" {
  type        = bool
  description = "Whether a Bedrock text model (prompt_model_id) writes one English prompt per scene and a shared look for the file (PROMPT_DIRECTOR). False: non-English scene text goes through Amazon Translate into a plain prompt."
  default     = true
  nullable    = false
}

variable "prompt_model_id" {
  type        = string
  description = "Amazon Bedrock text model of the prompt director (PROMPT_MODEL_ID), an Active text model in functions/pipeline_core/models.json. Null: the catalogue's default, us.amazon.nova-lite-v1:0."
  default     = null

  validation {
    condition     = var.prompt_model_id == null || try(contains(local.usable_model_states, local.model_catalogue.text_models[var.prompt_model_id].lifecycle.state), false)
    error_message = "prompt_model_id: ${try("model \"${var.prompt_model_id}\" (${local.model_catalogue.text_models[var.prompt_model_id].name}) is ${local.model_catalogue.text_models[var.prompt_model_id].lifecycle.state}: it reached end of life on ${coalesce(local.model_catalogue.text_models[var.prompt_model_id].lifecycle.end_of_life, "a date AWS did not publish")} and Bedrock refuses every request.", "model \"${coalesce(var.prompt_model_id, "null")}\" is not in the text-model catalogue (models.json).")} Active text models: ${join(", ", local.usable_text_models)}."
  }

  # The director is called in the Bedrock Region too (the function refuses to start otherwise).
  validation {
    condition     = var.prompt_model_id == null || try(contains(local.model_catalogue.text_models[var.prompt_model_id].regions, coalesce(var.bedrock_region, local.model_catalogue.image_models[var.image_model_id].home_region)), true)
    error_message = "prompt_model_id: ${coalesce(var.prompt_model_id, "null")} is served in ${try(join(", ", local.model_catalogue.text_models[var.prompt_model_id].regions), "other Regions")}, not in the Bedrock Region ${try(coalesce(var.bedrock_region, local.model_catalogue.image_models[var.image_model_id].home_region), "of the image model")}; choose a director model offered there."
  }
}

variable "scene_seconds" {
  type        = number
  description = "Target length of one scene, i.e. of the stretch of subtitles one image illustrates, in seconds (SCENE_SECONDS)."
  default     = 30
  nullable    = false

  validation {
    condition     = var.scene_seconds >= 1 && var.scene_seconds <= 14400 && floor(var.scene_seconds) == var.scene_seconds
    error_message = "scene_seconds must be a whole number of seconds between 1 and 14400 (4 hours, the longest audio Transcribe takes)."
  }
}

variable "max_images_per_file" {
  type        = number
  description = "At most this many images per audio file, a cost cap (MAX_IMAGES_PER_FILE)."
  default     = 10
  nullable    = false

  validation {
    condition     = var.max_images_per_file >= 1 && var.max_images_per_file <= 100 && floor(var.max_images_per_file) == var.max_images_per_file
    error_message = "max_images_per_file must be a whole number between 1 and 100."
  }
}

variable "image_style" {
  type        = string
  description = "Style text added to every image prompt, e.g. \"watercolor illustration\" (IMAGE_STYLE)."
  default     = ""
  nullable    = false

  validation {
    condition     = length(var.image_style) <= 500
    error_message = "image_style must be at most 500 characters: it shares the model's prompt limit with the scene text."
  }
}

variable "image_concurrency" {
  type        = number
  description = "Images one invocation generates in parallel (IMAGE_CONCURRENCY). Parallel Bedrock calls of the deployment are at most this times the image invocations running at once (see `image_reserved_concurrent_executions`)."
  default     = 4
  nullable    = false

  validation {
    condition     = var.image_concurrency >= 1 && var.image_concurrency <= 16 && floor(var.image_concurrency) == var.image_concurrency
    error_message = "image_concurrency must be a whole number between 1 and 16."
  }
}

variable "image_aspect_ratio" {
  type        = string
  description = "Aspect ratio of the images (IMAGE_ASPECT_RATIO), default 16:9 like a talk's slides; it must be one the image model offers (models.json: the Stability models take 16:9, 1:1, 21:9, 2:3, 3:2, 4:5, 5:4, 9:16, 9:21; Nova 2 Omni 16:9 and 1:1)."
  default     = "16:9"
  nullable    = false

  validation {
    condition     = try(contains(keys(local.model_catalogue.image_models[var.image_model_id].aspect_ratios), var.image_aspect_ratio), true)
    error_message = "image_aspect_ratio: ${var.image_model_id} offers ${try(join(", ", keys(local.model_catalogue.image_models[var.image_model_id].aspect_ratios)), "other ratios")}, not ${var.image_aspect_ratio}."
  }
}

variable "subtitle_profile" {
  type        = string
  description = "Reading rules the re-cut subtitles follow (SUBTITLE_PROFILE): \"auto\" picks the transcript language's profile; otherwise a profile name from functions/subtitle_writer/profiles.json (latin, korean, japanese, chinese)."
  default     = "auto"
  nullable    = false

  validation {
    condition     = contains(concat(["auto"], keys(jsondecode(file("${path.module}/functions/subtitle_writer/profiles.json")).profiles)), var.subtitle_profile)
    error_message = "subtitle_profile must be \"auto\" or a profile in functions/subtitle_writer/profiles.json: latin, korean, japanese or chinese."
  }
}

variable "subtitle_max_line_chars" {
  type        = number
  description = "Characters a subtitle line may hold, overriding the profile's (SUBTITLE_MAX_LINE_CHARS); 0 keeps the profile's (42 Latin, 16 Korean)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.subtitle_max_line_chars >= 0 && var.subtitle_max_line_chars <= 200 && floor(var.subtitle_max_line_chars) == var.subtitle_max_line_chars
    error_message = "subtitle_max_line_chars must be a whole number from 0 (the profile's) to 200."
  }
}

variable "subtitle_max_cps" {
  type        = number
  description = "Reading speed limit in characters per second, overriding the profile's (SUBTITLE_MAX_CPS); 0 keeps the profile's (20 Latin, 12 Korean)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.subtitle_max_cps >= 0 && var.subtitle_max_cps <= 100 && floor(var.subtitle_max_cps) == var.subtitle_max_cps
    error_message = "subtitle_max_cps must be a whole number from 0 (the profile's) to 100."
  }
}

variable "subtitle_languages" {
  type        = list(string)
  description = "Languages to translate the subtitles into with Amazon Translate (SUBTITLE_LANGUAGES), as Translate codes such as [\"en\", \"ja\", \"zh-TW\"]; each gives <job>/subtitles.<code>.srt and .vtt. Costs $15 per million characters (aws-facts 4.1)."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for code in var.subtitle_languages : can(regex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", code))]) && length(distinct(var.subtitle_languages)) == length(var.subtitle_languages)
    error_message = "subtitle_languages must hold distinct Amazon Translate language codes such as en, ja or zh-TW."
  }
}

variable "translate_terminology_names" {
  type        = list(string)
  description = "Amazon Translate custom terminology applied to the subtitle translations (TRANSLATE_TERMINOLOGY_NAMES); TranslateText takes one per request, so at most one name."
  default     = []
  nullable    = false

  validation {
    condition     = length(var.translate_terminology_names) <= 1 && alltrue([for name in var.translate_terminology_names : can(regex("^([A-Za-z0-9-]_?)+$", name)) && length(name) <= 256])
    error_message = "translate_terminology_names takes at most one terminology name (letters, digits, - and _, up to 256 characters)."
  }
}
