# Audio upload -> subtitles -> images, in the order the data travels:
# upload API -> audio bucket -> transcription function -> transcript bucket -> image function -> image bucket.

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # Layout and naming shared with the Python code.
  contract = jsondecode(file("${path.module}/functions/pipeline_core/contract.json"))

  # S3 suffix filters are case-sensitive: accept talk.mp3 and TALK.MP3 alike.
  audio_notification_filters = merge([
    for format in local.contract.media_formats : {
      (lower(format)) = { filter_prefix = null, filter_suffix = ".${lower(format)}" }
      (upper(format)) = { filter_prefix = null, filter_suffix = ".${upper(format)}" }
    }
  ]...)

  # Only transcripts/<job>.json: jobs/ and errors/ records and the .srt/.vtt files do not start the image function.
  transcript_notification_filters = {
    transcripts = {
      filter_prefix = local.contract.transcript_prefix
      filter_suffix = local.contract.transcript_suffix
    }
  }

  # Environment of the functions; empty values are left out (the functions treat unset and empty alike).
  transcription_environment = { for k, v in {
    TRANSCRIPT_BUCKET  = module.bucket["transcript"].name
    LANGUAGE_CODE      = var.language_code != null ? var.language_code : ""
    LANGUAGE_OPTIONS   = join(",", var.language_options)
    MAX_SPEAKER_LABELS = tostring(var.max_speaker_labels)
    LOG_LEVEL          = var.log_level
  } : k => v if v != "" }

  image_environment = { for k, v in {
    IMAGE_BUCKET        = module.bucket["image"].name
    IMAGE_MODEL_ID      = var.image_model_id
    SCENE_SECONDS       = tostring(var.scene_seconds)
    MAX_IMAGES_PER_FILE = tostring(var.max_images_per_file)
    IMAGE_STYLE         = var.image_style
    PROMPT_MODEL_ID     = var.prompt_model_id != null ? var.prompt_model_id : ""
    IMAGE_CONCURRENCY   = tostring(var.image_concurrency)
    IMAGE_WIDTH         = tostring(var.image_width)
    IMAGE_HEIGHT        = tostring(var.image_height)
    LOG_LEVEL           = var.log_level
  } : k => v if v != "" }

  # Bedrock permissions: a model id is granted on its foundation-model ARN in this Region. A cross-Region inference
  # profile id (us.amazon.nova-lite-v1:0, ...) is granted on the profile ARN and on the underlying foundation model
  # in any Region, since the profile routes each request to one of its Regions. Converse needs bedrock:InvokeModel too.
  partition                = data.aws_partition.current.partition
  region                   = data.aws_region.current.region
  inference_profile_prefix = "^(us|us-gov|eu|apac|jp|au|ca|global)\\."
  bedrock_model_ids        = [for id in [var.image_model_id, var.prompt_model_id] : id if id != null && id != ""]
  bedrock_model_arns = distinct(flatten([
    for id in local.bedrock_model_ids : can(regex(local.inference_profile_prefix, id)) ? [
      "arn:${local.partition}:bedrock:${local.region}:${data.aws_caller_identity.current.account_id}:inference-profile/${id}",
      "arn:${local.partition}:bedrock:*::foundation-model/${replace(id, "/${local.inference_profile_prefix}/", "")}",
    ] : ["arn:${local.partition}:bedrock:${local.region}::foundation-model/${id}"]
  ]))
}

################################################################################
# Lambda packages: built by Terraform itself, so `terraform apply` alone deploys the current code.
# The zips are deterministic, so an unchanged source tree gives an unchanged source_code_hash (no diff).
################################################################################

data "external" "package" {
  program = [var.python_executable, "${path.module}/scripts/package.py", "--terraform"]
  query = {
    out = "${path.module}/build/lambda"
  }
}

################################################################################
# Buckets
################################################################################

module "bucket" {
  source   = "./modules/secure-bucket"
  for_each = { for role, bucket in var.buckets : role => bucket }

  bucket                             = each.value.name
  bucket_prefix                      = "${var.name}-${each.key}-"
  force_destroy                      = var.bucket_force_destroy
  versioning_enabled                 = each.value.versioning_enabled
  expiration_days                    = each.value.expiration_days
  noncurrent_version_expiration_days = each.value.noncurrent_version_expiration_days
  tags                               = var.tags
}

################################################################################
# Upload API -> audio bucket
################################################################################

module "upload_api" {
  source = "./modules/upload-api"

  name        = "${var.name}-upload"
  bucket_name = module.bucket["audio"].name
  bucket_arn  = module.bucket["audio"].arn
  stage_name  = var.api_stage_name

  api_key_required     = var.api_key_required
  throttle_rate_limit  = var.api_throttle_rate_limit
  throttle_burst_limit = var.api_throttle_burst_limit
  quota_limit          = var.api_quota_limit
  quota_period         = var.api_quota_period

  access_log_enabled             = var.api_access_log_enabled
  create_account_cloudwatch_role = var.api_create_account_cloudwatch_role
  log_retention_in_days          = var.log_retention_in_days

  tags = var.tags
}

################################################################################
# Audio bucket -> transcription function -> transcript bucket
################################################################################

module "transcription_function" {
  source = "./modules/s3-triggered-function"

  function_name    = "${var.name}-start-transcription"
  description      = "Starts an Amazon Transcribe job (transcript and subtitles) for each audio file uploaded."
  handler          = "start_transcription.handler.handler"
  runtime          = var.lambda_runtime
  architecture     = var.lambda_architecture
  filename         = data.external.package.result["start_transcription_path"]
  source_code_hash = data.external.package.result["start_transcription_hash"]
  memory_size      = var.transcription_memory_size
  timeout          = var.transcription_timeout

  environment_variables = local.transcription_environment

  source_bucket_name   = module.bucket["audio"].name
  source_bucket_arn    = module.bucket["audio"].arn
  output_bucket_arn    = module.bucket["transcript"].arn
  notification_filters = local.audio_notification_filters

  # The module grants s3:GetObject on the audio (source) bucket and s3:PutObject on the transcript (output) bucket:
  # the function checks each upload with HeadObject and writes jobs/ and errors/ records, and Amazon Transcribe
  # reads the audio and writes the transcript and subtitles with the caller's permissions.
  policy_statements = {
    # StartTranscriptionJob supports no resource-level permissions, hence "*".
    StartTranscriptionJobs = {
      actions   = ["transcribe:StartTranscriptionJob"]
      resources = ["*"]
    }
    # Without s3:ListBucket, HeadObject of an upload deleted since its event answers 403 instead of 404, and the
    # function could not tell "deleted" (a rejection record) from "forbidden" (a failure to retry).
    ListAudioKeys = {
      actions   = ["s3:ListBucket"]
      resources = [module.bucket["audio"].arn]
    }
  }

  maximum_retry_attempts                = var.transcription_maximum_retry_attempts
  maximum_event_age_in_seconds          = var.transcription_maximum_event_age_in_seconds
  dead_letter_message_retention_seconds = var.dead_letter_message_retention_seconds
  log_retention_in_days                 = var.log_retention_in_days

  tags = var.tags
}

################################################################################
# Transcript bucket -> image function -> image bucket
################################################################################

module "image_function" {
  source = "./modules/s3-triggered-function"

  function_name    = "${var.name}-illustrate-scenes"
  description      = "Turns each finished transcript into scene images (Amazon Bedrock), a manifest and a gallery page."
  handler          = "illustrate_scenes.handler.handler"
  runtime          = var.lambda_runtime
  architecture     = var.lambda_architecture
  filename         = data.external.package.result["illustrate_scenes_path"]
  source_code_hash = data.external.package.result["illustrate_scenes_hash"]
  memory_size      = var.image_memory_size
  timeout          = var.image_timeout

  reserved_concurrent_executions = var.image_reserved_concurrent_executions
  environment_variables          = local.image_environment

  source_bucket_name   = module.bucket["transcript"].name
  source_bucket_arn    = module.bucket["transcript"].arn
  output_bucket_arn    = module.bucket["image"].arn
  notification_filters = local.transcript_notification_filters

  policy_statements = {
    # Without s3:ListBucket, S3 answers a missing object with 403 AccessDenied instead of 404 NoSuchKey, and the
    # function tells "missing" from "forbidden": a silent recording has no .srt/.vtt, and a first attempt finds no
    # manifest in the image bucket.
    ListTranscriptAndImageKeys = {
      actions   = ["s3:ListBucket"]
      resources = [module.bucket["transcript"].arn, module.bucket["image"].arn]
    }
    # The manifest of an earlier attempt tells whether this transcript was already illustrated (retried events).
    ReadImageObjects = {
      actions   = ["s3:GetObject"]
      resources = ["${module.bucket["image"].arn}/*"]
    }
    InvokeBedrockModels = {
      actions   = ["bedrock:InvokeModel"]
      resources = local.bedrock_model_arns
    }
  }

  maximum_retry_attempts                = var.image_maximum_retry_attempts
  maximum_event_age_in_seconds          = var.image_maximum_event_age_in_seconds
  dead_letter_message_retention_seconds = var.dead_letter_message_retention_seconds
  log_retention_in_days                 = var.log_retention_in_days

  tags = var.tags
}
