# Audio upload -> subtitles -> images, in the order the data travels:
# upload API -> audio bucket -> transcription function -> transcript bucket -> image function -> image bucket.

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # Layout and naming shared with the Python code.
  contract = jsondecode(file("${path.module}/functions/pipeline_core/contract.json"))
  # Languages Amazon Transcribe redacts PII in, and the vocabulary filter methods (start_transcription reads it too).
  transcription_controls = jsondecode(file("${path.module}/functions/start_transcription/controls.json"))

  # Names of what the submodules create, known here so that the key policy can name the log groups without
  # depending on them (the log groups depend on the key).
  transcription_function_name = "${var.name}-start-transcription"
  image_function_name         = "${var.name}-illustrate-scenes"
  upload_api_name             = "${var.name}-upload"
  presign_function_name       = "${var.name}-presign-upload"
  results_function_name       = "${var.name}-read-results"

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
  transcription_environment = merge({ for k, v in {
    TRANSCRIPT_BUCKET  = module.bucket["transcript"].name
    LANGUAGE_CODE      = var.language_code != null ? var.language_code : ""
    LANGUAGE_OPTIONS   = join(",", var.language_options)
    MAX_SPEAKER_LABELS = tostring(var.max_speaker_labels)
    MAX_AUDIO_SECONDS  = tostring(var.max_audio_seconds)
    LOG_LEVEL          = var.log_level
    # Transcription controls (start_transcription/controls.py); the method and the flag always, like the defaults.
    VOCABULARY_NAME          = var.vocabulary_name != null ? var.vocabulary_name : ""
    VOCABULARY_FILTER_NAME   = var.vocabulary_filter_name != null ? var.vocabulary_filter_name : ""
    VOCABULARY_FILTER_METHOD = var.vocabulary_filter_method
    REDACT_PII               = tostring(var.redact_pii)
  } : k => v if v != "" }, local.transcription_feature_environment)

  # Set only with the feature on: the data-access role that queued Transcribe jobs run with, and the key Transcribe
  # must encrypt its output with (without OutputEncryptionKMSKeyId it writes SSE-S3, whatever the bucket's default).
  transcription_feature_environment = merge(
    var.transcribe_allow_deferred_execution ? { DATA_ACCESS_ROLE_ARN = aws_iam_role.transcribe_data_access[0].arn } : {},
    local.kms_enabled ? { OUTPUT_KMS_KEY_ARN = local.kms_key_arn } : {},
  )

  image_environment = { for k, v in {
    IMAGE_BUCKET        = module.bucket["image"].name
    IMAGE_MODEL_ID      = var.image_model_id
    SCENE_SECONDS       = tostring(var.scene_seconds)
    MAX_IMAGES_PER_FILE = tostring(var.max_images_per_file)
    IMAGE_STYLE         = var.image_style
    PROMPT_DIRECTOR     = tostring(var.prompt_director)
    PROMPT_MODEL_ID     = local.prompt_model_id != null ? local.prompt_model_id : ""
    BEDROCK_REGION      = local.bedrock_region
    IMAGE_CONCURRENCY   = tostring(var.image_concurrency)
    IMAGE_ASPECT_RATIO  = var.image_aspect_ratio
    LOG_LEVEL           = var.log_level
    # Re-cut subtitles: the reading profile ("auto": by the transcript's language; 0: the profile's values).
    SUBTITLE_PROFILE            = var.subtitle_profile
    SUBTITLE_MAX_LINE_CHARS     = tostring(var.subtitle_max_line_chars)
    SUBTITLE_MAX_CPS            = tostring(var.subtitle_max_cps)
    SUBTITLE_LANGUAGES          = join(",", var.subtitle_languages)
    TRANSLATE_TERMINOLOGY_NAMES = join(",", var.translate_terminology_names)
  } : k => v if v != "" }

  # The model catalogue the functions read too: lifecycle, Regions, prompt limits, aspect ratios, image prices.
  model_catalogue     = jsondecode(file("${path.module}/functions/pipeline_core/models.json"))
  usable_model_states = ["active", "preview"]
  usable_image_models = [for id, m in local.model_catalogue.image_models : m.lifecycle.state == "preview" ? "${id} (preview)" : id if contains(local.usable_model_states, m.lifecycle.state)]
  usable_text_models  = [for id, m in local.model_catalogue.text_models : m.lifecycle.state == "preview" ? "${id} (preview)" : id if contains(local.usable_model_states, m.lifecycle.state)]
  image_prompt_limit  = try(local.model_catalogue.image_models[var.image_model_id].prompt_limit, 1024)
  # Bedrock runs where the model runs on demand (us-west-2 for Stability), not necessarily in the module's Region.
  bedrock_region  = coalesce(var.bedrock_region, try(local.model_catalogue.image_models[var.image_model_id].home_region, null), data.aws_region.current.region)
  prompt_model_id = var.prompt_director ? coalesce(var.prompt_model_id, local.model_catalogue.default_prompt_model) : null

  # Bedrock permissions: a model id is granted on its foundation-model ARN in the Bedrock Region. A cross-Region inference
  # profile id (us.amazon.nova-lite-v1:0, ...) is granted on the profile ARN and on the underlying foundation model
  # in any Region, since the profile routes each request to one of its Regions. Converse needs bedrock:InvokeModel too.
  partition                = data.aws_partition.current.partition
  dns_suffix               = data.aws_partition.current.dns_suffix
  region                   = data.aws_region.current.region
  account_id               = data.aws_caller_identity.current.account_id
  inference_profile_prefix = "^(us|us-gov|eu|apac|jp|au|ca|global)\\."
  bedrock_model_ids        = [for id in [var.image_model_id, local.prompt_model_id] : id if id != null && id != ""]
  bedrock_model_arns = distinct(flatten([
    for id in local.bedrock_model_ids : can(regex(local.inference_profile_prefix, id)) ? [
      "arn:${local.partition}:bedrock:${local.bedrock_region}:${local.account_id}:inference-profile/${id}",
      "arn:${local.partition}:bedrock:*::foundation-model/${replace(id, "/${local.inference_profile_prefix}/", "")}",
    ] : ["arn:${local.partition}:bedrock:${local.bedrock_region}::foundation-model/${id}"]
  ]))
}

################################################################################
# Optional customer managed KMS key: buckets, dead-letter queues and (by default) log groups
################################################################################

locals {
  # Known at plan time, unlike the ARN of a key created in the same apply.
  kms_enabled           = var.create_kms_key || var.kms_key_arn != null
  kms_key_arn           = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  log_group_kms_key_arn = var.kms_encrypt_log_groups ? local.kms_key_arn : null

  # CloudWatch Logs uses the key as its own service principal, so only the key policy can allow it; the encryption
  # context names the log group.
  kms_log_group_arns = [
    for name in concat(
      ["/aws/lambda/${local.transcription_function_name}", "/aws/lambda/${local.image_function_name}"],
      var.api_access_log_enabled ? ["/aws/apigateway/${local.upload_api_name}/${var.api_stage_name}/access"] : [],
      var.presigned_upload_enabled ? ["/aws/lambda/${local.presign_function_name}"] : [],
      var.results_api_enabled ? ["/aws/lambda/${local.results_function_name}"] : [],
    ) : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${name}"
  ]

  # What Amazon Transcribe does with the output key on the caller's behalf (it validates the key and encrypts the
  # output with it): kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey, as the Transcribe Developer Guide lists for
  # a job's key (HealthScribe "Creating a customer managed key": Encrypt, Decrypt, DescribeKey "to validate the
  # key"; "Key management": the caller needs kms:Encrypt), only through Transcribe. Checked 2026-12-01; no account
  # was at hand to watch the calls Transcribe makes, so CloudTrail is the place to confirm them.
  transcribe_output_key_actions = ["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
  transcribe_output_key_condition = {
    StringEquals = { "kms:ViaService" = ["transcribe.${local.region}.${local.dns_suffix}"] }
  }

  # The roles use the key for S3 only through S3 and only for the named bucket: with a bucket key the encryption
  # context is the bucket ARN, without one (objects written before) the object ARN.
  kms_s3_conditions = {
    for role, bucket in module.bucket : role => {
      StringEquals = { "kms:ViaService" = ["s3.${local.region}.${local.dns_suffix}"] }
      StringLike   = { "kms:EncryptionContext:aws:s3:arn" = [bucket.arn, "${bucket.arn}/*"] }
    }
  }
}

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.name} pipeline: audio, transcript and image buckets, dead-letter queues, logs."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days

  # The account administers the key, and IAM policies grant its use: the roles of this module get exactly the
  # kms actions they need, through S3 or SQS and for their own buckets (see the policy_statements below), and people
  # who read the results get kms:Decrypt from their own IAM policies. Naming the roles here as well would add no
  # limit while the account statement stands, and the roles' policies already depend on the key.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "AccountAdministersKeyAndDelegatesUseToIam"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
      ],
      var.kms_encrypt_log_groups ? [
        {
          Sid       = "CloudWatchLogsEncryptsThePipelineLogGroups"
          Effect    = "Allow"
          Principal = { Service = "logs.${local.region}.${local.dns_suffix}" }
          Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
          Resource  = "*"
          Condition = {
            ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.kms_log_group_arns }
          }
        },
      ] : [],
    )
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
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
  kms_key_arn                        = local.kms_key_arn
  access_logging = var.bucket_access_log_bucket == null ? null : {
    target_bucket = var.bucket_access_log_bucket
    target_prefix = "${var.name}/${each.key}/"
  }
  tags = var.tags
}

################################################################################
# Upload API -> audio bucket
################################################################################

module "upload_api" {
  source = "./modules/upload-api"

  name               = local.upload_api_name
  bucket_name        = module.bucket["audio"].name
  bucket_arn         = module.bucket["audio"].arn
  bucket_kms_key_arn = local.kms_key_arn
  stage_name         = var.api_stage_name

  api_key_required     = var.api_key_required
  throttle_rate_limit  = var.api_throttle_rate_limit
  throttle_burst_limit = var.api_throttle_burst_limit
  quota_limit          = var.api_quota_limit
  quota_period         = var.api_quota_period

  access_log_enabled             = var.api_access_log_enabled
  create_account_cloudwatch_role = var.api_create_account_cloudwatch_role
  log_retention_in_days          = var.log_retention_in_days
  log_group_kms_key_arn          = local.log_group_kms_key_arn
  xray_tracing_enabled           = var.tracing_enabled
  web_acl_arn                    = var.api_web_acl_arn

  # POST /{folder}/{object} -> a presigned S3 PUT URL for files over the API's 10 MB body limit.
  presigned_upload_enabled          = var.presigned_upload_enabled
  presigned_url_expiry_seconds      = var.presigned_url_expiry_seconds
  presign_function_name             = local.presign_function_name
  presign_function_filename         = data.external.package.result["presign_upload_path"]
  presign_function_source_code_hash = data.external.package.result["presign_upload_hash"]
  presign_function_runtime          = var.lambda_runtime
  presign_function_architecture     = var.lambda_architecture
  presign_function_log_level        = var.log_level

  # GET /{folder}/{object} -> status and presigned GET URLs of the results (read-only function).
  results_api_enabled               = var.results_api_enabled
  results_url_expiry_seconds        = var.results_url_expiry_seconds
  results_function_name             = local.results_function_name
  results_function_filename         = data.external.package.result["read_results_path"]
  results_function_source_code_hash = data.external.package.result["read_results_hash"]
  results_buckets = {
    transcript_bucket_name = module.bucket["transcript"].name
    transcript_bucket_arn  = module.bucket["transcript"].arn
    transcript_prefixes    = distinct([local.contract.transcript_prefix, local.contract.job_record_prefix, local.contract.rejection_prefix])
    image_bucket_name      = module.bucket["image"].name
    image_bucket_arn       = module.bucket["image"].arn
  }

  tags = var.tags
}

################################################################################
# Audio bucket -> transcription function -> transcript bucket
################################################################################

# Failed jobs write no transcript: this rule brings their state change to the function, which records the pipeline's
# own ones under errors/ (the rule sees every job of the account; only those with a job record are this pipeline's).
locals {
  transcription_failed_jobs_pattern = {
    source        = ["aws.transcribe"]
    "detail-type" = ["Transcribe Job State Change"]
    detail        = { TranscriptionJobStatus = ["FAILED"] }
  }
}

# Optional deferred execution: jobs over the concurrent-job quota wait in Transcribe's queue and run later, without
# the caller's session, so Transcribe reads the audio and writes the transcripts with this role.
resource "aws_iam_role" "transcribe_data_access" {
  count = var.transcribe_allow_deferred_execution ? 1 : 0

  name = "${var.name}-transcribe-data-access"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "transcribe.amazonaws.com" }
        Action    = "sts:AssumeRole"
        # Only on behalf of this account's jobs (cross-service confused deputy prevention).
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "transcribe_data_access" {
  count = var.transcribe_allow_deferred_execution ? 1 : 0

  name = "${var.name}-transcribe-data-access"
  role = aws_iam_role.transcribe_data_access[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadAudio"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${module.bucket["audio"].arn}/*"]
        },
        # As in AWS's data-access role examples (Transcribe Developer Guide, "Permissions required for IAM roles"):
        # with it, a missing audio object is a 404 in the job's FailureReason, not an AccessDenied that reads like a
        # permissions fault.
        {
          Sid      = "ListAudioAndTranscriptKeys"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = [module.bucket["audio"].arn, module.bucket["transcript"].arn]
        },
        # Transcribe writes the transcript, the subtitles and its write-access check file next to the OutputKey.
        {
          Sid      = "WriteTranscripts"
          Effect   = "Allow"
          Action   = ["s3:PutObject"]
          Resource = ["${module.bucket["transcript"].arn}/${local.contract.transcript_prefix}*"]
        },
      ],
      # As for the caller: the key through S3 only, for the audio (read) and the transcripts (write, also in parts).
      local.kms_enabled ? [
        {
          Sid       = "DecryptAudio"
          Effect    = "Allow"
          Action    = ["kms:Decrypt"]
          Resource  = [local.kms_key_arn]
          Condition = local.kms_s3_conditions["audio"]
        },
        {
          Sid       = "EncryptTranscripts"
          Effect    = "Allow"
          Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource  = [local.kms_key_arn]
          Condition = local.kms_s3_conditions["transcript"]
        },
        {
          Sid       = "TranscribeUsesOutputKey"
          Effect    = "Allow"
          Action    = local.transcribe_output_key_actions
          Resource  = [local.kms_key_arn]
          Condition = local.transcribe_output_key_condition
        },
      ] : [],
    )
  })
}

module "transcription_function" {
  source = "./modules/s3-triggered-function"

  function_name    = local.transcription_function_name
  description      = "Starts an Amazon Transcribe job (transcript and subtitles) for each audio file uploaded."
  handler          = "start_transcription.handler.handler"
  runtime          = var.lambda_runtime
  architecture     = var.lambda_architecture
  filename         = data.external.package.result["start_transcription_path"]
  source_code_hash = data.external.package.result["start_transcription_hash"]
  memory_size      = var.transcription_memory_size
  timeout          = var.transcription_timeout

  environment_variables = local.transcription_environment
  event_rules = {
    failed-jobs = {
      description   = "Failed Amazon Transcribe jobs: the transcription function records this pipeline's under errors/."
      event_pattern = jsonencode(local.transcription_failed_jobs_pattern)
    }
  }

  source_bucket_name   = module.bucket["audio"].name
  source_bucket_arn    = module.bucket["audio"].arn
  output_bucket_arn    = module.bucket["transcript"].arn
  notification_filters = local.audio_notification_filters

  # The module grants s3:GetObject on the audio (source) bucket and s3:PutObject on the transcript (output) bucket:
  # the function checks each upload with HeadObject and reads its header (ranged GETs) to measure its length, writes
  # jobs/ and errors/ records, and Amazon Transcribe reads the audio and writes the transcript and subtitles with the
  # caller's permissions (with deferred execution, with the data-access role's).
  policy_statements = merge(
    {
      # StartTranscriptionJob supports no resource-level permissions, hence "*".
      StartTranscriptionJobs = {
        actions   = ["transcribe:StartTranscriptionJob"]
        resources = ["*"]
      }
      # Without s3:ListBucket, a missing object answers 403 instead of 404, and the function could not tell "deleted"
      # (a rejection record) from "forbidden" (a failure to retry); nor "not this pipeline's job" (no job record) from
      # "forbidden" when a failed job's state change arrives.
      ListAudioAndTranscriptKeys = {
        actions   = ["s3:ListBucket"]
        resources = [module.bucket["audio"].arn, module.bucket["transcript"].arn]
      }
      # A failed job is recorded only when its job record says it is this pipeline's, and for which upload.
      ReadJobRecords = {
        actions   = ["s3:GetObject"]
        resources = ["${module.bucket["transcript"].arn}/${local.contract.job_record_prefix}*"]
      }
    },
    # The ranged GETs that measure an upload's length name the version the event names (VersionId), and S3 then
    # authorizes s3:GetObjectVersion, not s3:GetObject: without it the length cap would never run.
    module.bucket["audio"].versioning_enabled ? {
      ReadAudioVersions = {
        actions   = ["s3:GetObjectVersion"]
        resources = ["${module.bucket["audio"].arn}/*"]
      }
    } : {},
    # Amazon Transcribe reads the audio and writes the transcript with the caller's permissions, so with SSE-KMS this
    # role needs the key for both; Transcribe encrypts with it only when told to (OUTPUT_KMS_KEY_ARN), and S3 needs
    # kms:Decrypt as well for an upload in parts. The function's own records need GenerateDataKey, and reading a
    # job record back needs Decrypt.
    local.kms_enabled ? {
      DecryptAudio = {
        actions    = ["kms:Decrypt"]
        resources  = [local.kms_key_arn]
        conditions = local.kms_s3_conditions["audio"]
      }
      EncryptTranscripts = {
        actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
        resources  = [local.kms_key_arn]
        conditions = local.kms_s3_conditions["transcript"]
      }
      # OutputEncryptionKMSKeyId: "the role making the request and the role specified in the DataAccessRoleArn
      # request parameter (if present) must have permission to use the specified KMS key" (StartTranscriptionJob,
      # botocore 1.44.8 service model, checked 2026-12-01). Transcribe checks the key with the caller's credentials.
      TranscribeUsesOutputKey = {
        actions    = local.transcribe_output_key_actions
        resources  = [local.kms_key_arn]
        conditions = local.transcribe_output_key_condition
      }
    } : {},
    # The completion event of a rejected or failed file (pipeline_core/completion.py): the default bus only, and the
    # marker under events/ that keeps it to one event per file.
    {
      PutCompletionEvents = {
        actions   = ["events:PutEvents"]
        resources = [local.default_event_bus_arn]
      }
      ReadCompletionEventMarkers = {
        actions   = ["s3:GetObject"]
        resources = ["${module.bucket["transcript"].arn}/events/*"]
      }
    },
    # Deferred execution: the function hands Transcribe the data-access role, that role only and to Transcribe only.
    var.transcribe_allow_deferred_execution ? {
      PassDataAccessRoleToTranscribe = {
        actions    = ["iam:PassRole"]
        resources  = [aws_iam_role.transcribe_data_access[0].arn]
        conditions = { StringEquals = { "iam:PassedToService" = ["transcribe.amazonaws.com"] } }
      }
    } : {},
  )

  maximum_retry_attempts                = var.transcription_maximum_retry_attempts
  maximum_event_age_in_seconds          = var.transcription_maximum_event_age_in_seconds
  dead_letter_message_retention_seconds = var.dead_letter_message_retention_seconds
  log_retention_in_days                 = var.log_retention_in_days
  kms_key_arn                           = local.kms_key_arn
  log_group_kms_key_arn                 = local.log_group_kms_key_arn
  tracing_mode                          = var.tracing_enabled ? "Active" : "PassThrough"

  tags = var.tags
}

################################################################################
# Transcript bucket -> image function -> image bucket
################################################################################

module "image_function" {
  source = "./modules/s3-triggered-function"

  function_name    = local.image_function_name
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

  policy_statements = merge(
    {
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
      # Amazon Translate, for non-English scene text into English when the prompt director is off or failed, and
      # for the translated subtitle tracks (subtitle_languages). TranslateText names no resource of its own ("*");
      # with a custom terminology it is also authorized against the terminology's ARN. The source language is always
      # given, so Translate never calls Amazon Comprehend for the function (no comprehend:DetectDominantLanguage).
      TranslateText = {
        actions = ["translate:TranslateText"]
        resources = concat(["*"], [
          for name in var.translate_terminology_names :
          "arn:${local.partition}:translate:${local.region}:${local.account_id}:terminology/${name}"
        ])
      }
      # The completion event of each file (pipeline_core/completion.py), on the default bus only.
      PutCompletionEvents = {
        actions   = ["events:PutEvents"]
        resources = [local.default_event_bus_arn]
      }
    },
    # With SSE-KMS: read transcripts, job records and earlier manifests; write images, manifest and gallery.
    local.kms_enabled ? {
      DecryptTranscriptsAndImages = {
        actions   = ["kms:Decrypt"]
        resources = [local.kms_key_arn]
        conditions = {
          StringEquals = local.kms_s3_conditions["transcript"].StringEquals
          StringLike = {
            "kms:EncryptionContext:aws:s3:arn" = concat(
              local.kms_s3_conditions["transcript"].StringLike["kms:EncryptionContext:aws:s3:arn"],
              local.kms_s3_conditions["image"].StringLike["kms:EncryptionContext:aws:s3:arn"],
            )
          }
        }
      }
      EncryptImages = {
        actions    = ["kms:GenerateDataKey"]
        resources  = [local.kms_key_arn]
        conditions = local.kms_s3_conditions["image"]
      }
    } : {},
  )

  maximum_retry_attempts                = var.image_maximum_retry_attempts
  maximum_event_age_in_seconds          = var.image_maximum_event_age_in_seconds
  dead_letter_message_retention_seconds = var.dead_letter_message_retention_seconds
  log_retention_in_days                 = var.log_retention_in_days
  kms_key_arn                           = local.kms_key_arn
  log_group_kms_key_arn                 = local.log_group_kms_key_arn
  tracing_mode                          = var.tracing_enabled ? "Active" : "PassThrough"

  tags = var.tags
}
