################################################################################
# Upload
################################################################################

output "stage_url" {
  description = "Invoke URL of the upload API's stage, e.g. https://<id>.execute-api.<region>.amazonaws.com/v1."
  value       = module.upload_api.stage_url
}

output "upload_url_template" {
  description = "URL to PUT an audio file to; {folder}/{object} becomes its key in the audio bucket."
  value       = module.upload_api.upload_url_template
}

output "presign_url_template" {
  description = "URL to POST {\"size\": <bytes>, \"content_type\": \"audio/...\"} to (with x-api-key) for a presigned S3 PUT URL of key {folder}/{object}: the way in for files over 10 MB. Null when presigned_upload_enabled = false."
  value       = module.upload_api.presign_url_template
}

output "presign_function_name" {
  description = "Name of the function that signs the upload URLs; null when presigned_upload_enabled = false."
  value       = module.upload_api.presign_function_name
}

output "results_url_template" {
  description = "URL to GET (with x-api-key) for the status and presigned result links of the upload at {folder}/{object}; ?format=html gives its player page. Null when results_api_enabled = false."
  value       = module.upload_api.results_url_template
}

output "curl_command" {
  description = "A ready command that uploads ./talk.mp3 as talks/talk.mp3 (run it where `terraform output` works; a calling configuration must export `api_key_value` too)."
  value = join(" ", compact([
    "curl -i -T talk.mp3",
    "-H \"Content-Type: audio/mpeg\"",
    var.api_key_required ? "-H \"x-api-key: $(terraform output -raw api_key_value)\"" : "",
    "\"${module.upload_api.stage_url}/talks/talk.mp3\"",
  ]))
}

output "api_key_id" {
  description = "ID of the upload API key; null when no key is required."
  value       = module.upload_api.api_key_id
}

output "api_key_value" {
  description = "Value of the upload API key, sent as header x-api-key; null when no key is required."
  value       = module.upload_api.api_key_value
  sensitive   = true
}

output "rest_api_id" {
  description = "ID of the upload REST API."
  value       = module.upload_api.rest_api_id
}

################################################################################
# Buckets
################################################################################

output "audio_bucket_name" {
  description = "Bucket of the uploaded audio files."
  value       = module.bucket["audio"].name
}

output "audio_bucket_arn" {
  description = "ARN of the audio bucket."
  value       = module.bucket["audio"].arn
}

output "transcript_bucket_name" {
  description = "Bucket of the transcripts and subtitles (transcripts/), job records (jobs/) and rejections (errors/)."
  value       = module.bucket["transcript"].name
}

output "transcript_bucket_arn" {
  description = "ARN of the transcript bucket."
  value       = module.bucket["transcript"].arn
}

output "image_bucket_name" {
  description = "Bucket of the scene images, manifest and gallery page, under <job name>/."
  value       = module.bucket["image"].name
}

output "image_bucket_arn" {
  description = "ARN of the image bucket."
  value       = module.bucket["image"].arn
}

################################################################################
# Encryption
################################################################################

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the buckets, dead-letter queues and (with kms_encrypt_log_groups) logs; null when AWS managed encryption is used."
  value       = local.kms_key_arn

  # A cross-variable rule (variable validations may refer to other variables only from Terraform 1.9 on).
  precondition {
    condition     = !(var.create_kms_key && var.kms_key_arn != null)
    error_message = "Set either create_kms_key = true or kms_key_arn, not both: the module would create a key it does not use."
  }
}

output "kms_key_alias" {
  description = "Alias of the created KMS key (alias/<name>); null when the module created none."
  value       = try(aws_kms_alias.this[0].name, null)
}

################################################################################
# Functions
################################################################################

output "transcription_function_name" {
  description = "Name of the function that starts the transcription jobs."
  value       = module.transcription_function.function_name
}

output "transcription_function_arn" {
  description = "ARN of the transcription function."
  value       = module.transcription_function.function_arn
}

output "transcription_dead_letter_queue_url" {
  description = "URL of the queue holding upload events the transcription function failed on."
  value       = module.transcription_function.dead_letter_queue_url
}

output "transcription_dead_letter_queue_arn" {
  description = "ARN of the transcription function's dead-letter queue."
  value       = module.transcription_function.dead_letter_queue_arn
}

output "transcription_failed_jobs_rule_arn" {
  description = "ARN of the EventBridge rule that sends failed Amazon Transcribe jobs to the transcription function (it records this pipeline's under errors/)."
  value       = module.transcription_function.event_rules["failed-jobs"].arn
}

output "transcribe_data_access_role_arn" {
  description = "ARN of the role queued Amazon Transcribe jobs read the audio and write the transcripts with; null unless transcribe_allow_deferred_execution."
  value       = try(aws_iam_role.transcribe_data_access[0].arn, null)
}

output "image_function_name" {
  description = "Name of the function that illustrates the transcripts."
  value       = module.image_function.function_name
}

output "image_function_arn" {
  description = "ARN of the image function."
  value       = module.image_function.function_arn
}

output "image_dead_letter_queue_url" {
  description = "URL of the queue holding transcript events the image function failed on."
  value       = module.image_function.dead_letter_queue_url
}

output "image_dead_letter_queue_arn" {
  description = "ARN of the image function's dead-letter queue."
  value       = module.image_function.dead_letter_queue_arn
}

output "function_environment" {
  description = "Environment variables of both functions, keyed start_transcription and illustrate_scenes (no secrets: bucket names and settings)."
  value = {
    start_transcription = module.transcription_function.environment_variables
    illustrate_scenes   = module.image_function.environment_variables
  }

  # A cross-variable rule (variable validations may refer to other variables only from Terraform 1.9 on).
  precondition {
    condition     = var.language_code == null || length(var.language_options) == 0
    error_message = "language_options narrows automatic language identification: set it only with language_code = null."
  }

  # The transcription function refuses to start otherwise (start_transcription/controls.py): a vocabulary or filter
  # belongs to one language, and batch PII redaction works only in some languages and not with identification.
  precondition {
    condition     = (var.vocabulary_name == null && var.vocabulary_filter_name == null) || var.language_code != null
    error_message = "vocabulary_name and vocabulary_filter_name need language_code: a vocabulary belongs to one language."
  }

  precondition {
    condition     = !var.redact_pii || contains(local.transcription_controls.redaction_languages, coalesce(var.language_code, "none"))
    error_message = "redact_pii needs language_code set to a language Amazon Transcribe redacts in batch jobs: ${join(", ", local.transcription_controls.redaction_languages)} (not automatic identification)."
  }

  # The image function refuses to start with a style that leaves the scene text less than half the prompt.
  precondition {
    condition     = length(var.image_style) <= floor(local.image_prompt_limit / 2)
    error_message = "image_style may take at most half of the image model's prompt limit (${local.image_prompt_limit} characters for ${var.image_model_id}), so that the scene text still fits."
  }
}

output "completion_topic_arn" {
  description = "ARN of the SNS topic that mails each file's completion (subscribe more endpoints to it); null without notification_email_addresses."
  value       = try(aws_sns_topic.completion[0].arn, null)
}
