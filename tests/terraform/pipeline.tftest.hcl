# The root module's wiring, planned and applied against mock providers: which bucket triggers which function on
# which keys, what each role may do on which bucket, what the functions are deployed with, and the outputs.

mock_provider "aws" {
  source = "./tests/terraform/mocks/aws"
}

mock_provider "external" {
  source = "./tests/terraform/mocks/external"
}

variables {
  name = "talks"
  buckets = {
    audio      = { name = "talks-audio" }
    transcript = { name = "talks-transcripts" }
    image      = { name = "talks-images" }
  }
}

# Bucket ARNs are computed by AWS; give the mocks the real ones so the policies can be read.
override_resource {
  target = module.bucket["audio"].aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::talks-audio" }
}

override_resource {
  target = module.bucket["transcript"].aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::talks-transcripts" }
}

override_resource {
  target = module.bucket["image"].aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::talks-images" }
}

# Deferred execution is on by default: the data-access role's ARN reaches the transcription function.
override_resource {
  target = aws_iam_role.transcribe_data_access
  values = { arn = "arn:aws:iam::123456789012:role/talks-transcribe-data-access" }
}

override_resource {
  target = module.upload_api.aws_api_gateway_stage.this
  values = { invoke_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1" }
}

################################################################################
# Buckets
################################################################################

run "three_distinct_buckets_each_in_its_place" {
  command = apply

  assert {
    condition     = [output.audio_bucket_name, output.transcript_bucket_name, output.image_bucket_name] == ["talks-audio", "talks-transcripts", "talks-images"]
    error_message = "The bucket outputs do not name the configured audio, transcript and image buckets."
  }

  assert {
    condition     = length(distinct([output.audio_bucket_arn, output.transcript_bucket_arn, output.image_bucket_arn])) == 3
    error_message = "The three bucket ARNs are not distinct."
  }

  assert {
    condition     = module.bucket["audio"].versioning_enabled && !module.bucket["transcript"].versioning_enabled && !module.bucket["image"].versioning_enabled
    error_message = "By default only the audio bucket (the only copy of the uploads) should be versioned."
  }
}

run "generated_bucket_names_are_distinct" {
  command = apply

  variables {
    buckets = {}
  }

  assert {
    condition     = length(distinct([output.audio_bucket_name, output.transcript_bucket_name, output.image_bucket_name])) == 3
    error_message = "Generated bucket names must be three different buckets."
  }
}

run "two_equal_bucket_names_fail_the_plan" {
  command = plan

  variables {
    buckets = {
      audio      = { name = "talks-shared" }
      transcript = { name = "talks-shared" }
    }
  }

  expect_failures = [var.buckets]
}

run "an_output_bucket_equal_to_its_input_bucket_fails_the_plan" {
  command = plan

  variables {
    buckets = {
      transcript = { name = "talks-same" }
      image      = { name = "talks-same" }
    }
  }

  expect_failures = [var.buckets]
}

################################################################################
# Triggers
################################################################################

run "audio_bucket_triggers_the_transcription_function_on_every_media_suffix" {
  command = apply

  assert {
    condition     = module.transcription_function.s3_notification.bucket == output.audio_bucket_name
    error_message = "The transcription function's notification is not on the audio bucket."
  }

  # Every media format of the contract, in lower and upper case, and nothing else.
  assert {
    condition = toset([for rule in module.transcription_function.s3_notification.rules : rule.filter_suffix]) == toset(flatten([
      for format in jsondecode(file("functions/pipeline_core/contract.json")).media_formats : [".${format}", ".${upper(format)}"]
    ]))
    error_message = "The audio notification's suffix filters are not exactly the contract's media formats in lower and upper case."
  }

  assert {
    condition     = length(module.transcription_function.s3_notification.rules) == 2 * length(jsondecode(file("functions/pipeline_core/contract.json")).media_formats)
    error_message = "Expected one notification rule per media format and case."
  }

  assert {
    condition     = contains([for rule in module.transcription_function.s3_notification.rules : rule.filter_suffix], ".mp3") && contains([for rule in module.transcription_function.s3_notification.rules : rule.filter_suffix], ".MP3")
    error_message = "talk.mp3 and TALK.MP3 must both start a transcription."
  }

  assert {
    condition = alltrue([
      for rule in module.transcription_function.s3_notification.rules :
      rule.lambda_function_arn == output.transcription_function_arn && rule.events == toset(["s3:ObjectCreated:*"]) && rule.filter_prefix == null
    ])
    error_message = "Every audio rule must send s3:ObjectCreated:* for any prefix to the transcription function."
  }
}

run "transcript_bucket_triggers_the_image_function_on_transcripts_json_only" {
  command = apply

  assert {
    condition     = module.image_function.s3_notification.bucket == output.transcript_bucket_name
    error_message = "The image function's notification is not on the transcript bucket."
  }

  assert {
    condition     = length(module.image_function.s3_notification.rules) == 1
    error_message = "The transcript bucket needs exactly one rule."
  }

  assert {
    condition     = module.image_function.s3_notification.rules[0].filter_prefix == "transcripts/" && module.image_function.s3_notification.rules[0].filter_suffix == ".json"
    error_message = "The image function must start on transcripts/*.json only, not on jobs/, errors/ or the .srt/.vtt files."
  }

  assert {
    condition     = module.image_function.s3_notification.rules[0].lambda_function_arn == output.image_function_arn && module.image_function.s3_notification.rules[0].events == toset(["s3:ObjectCreated:*"])
    error_message = "The transcript rule must send s3:ObjectCreated:* to the image function."
  }
}

################################################################################
# Permissions
################################################################################

run "transcription_role_names_exactly_its_buckets_and_actions" {
  command = apply

  assert {
    condition = { for action, resources in {
      for pair in flatten([
        for statement in jsondecode(module.transcription_function.role_policy_json).Statement : [
          for action in statement.Action : { action = action, resources = statement.Resource }
        ]
      ]) : pair.action => pair.resources...
      } : action => toset(flatten(resources)) } == {
      "logs:CreateLogStream"             = toset(["${module.transcription_function.log_group_arn}:*"])
      "logs:PutLogEvents"                = toset(["${module.transcription_function.log_group_arn}:*"])
      "s3:GetObject"                     = toset(["arn:aws:s3:::talks-audio/*", "arn:aws:s3:::talks-transcripts/jobs/*", "arn:aws:s3:::talks-transcripts/events/*"])
      "s3:GetObjectVersion"              = toset(["arn:aws:s3:::talks-audio/*"])
      "s3:ListBucket"                    = toset(["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-transcripts"])
      "s3:PutObject"                     = toset(["arn:aws:s3:::talks-transcripts/*"])
      "sqs:SendMessage"                  = toset([output.transcription_dead_letter_queue_arn])
      "transcribe:StartTranscriptionJob" = toset(["*"])
      "iam:PassRole"                     = toset(["arn:aws:iam::123456789012:role/talks-transcribe-data-access"])
      "events:PutEvents"                 = toset(["arn:aws:events:eu-west-1:123456789012:event-bus/default"])
    }
    error_message = "The transcription role must allow exactly: its logs, reading (any version of) and listing audio, reading job records (failed jobs) and completion-event markers, listing and writing transcripts, its dead-letter queue, starting Transcribe jobs, passing the data-access role and completion events on the default bus."
  }

  assert {
    condition     = alltrue([for statement in jsondecode(module.transcription_function.role_policy_json).Statement : statement.Effect == "Allow"])
    error_message = "The role policy holds only Allow statements."
  }
}

run "image_role_names_exactly_its_buckets_and_actions" {
  command = apply

  assert {
    condition = { for action, resources in {
      for pair in flatten([
        for statement in jsondecode(module.image_function.role_policy_json).Statement : [
          for action in statement.Action : { action = action, resources = statement.Resource }
        ]
      ]) : pair.action => pair.resources...
      } : action => toset(flatten(resources)) } == {
      "logs:CreateLogStream" = toset(["${module.image_function.log_group_arn}:*"])
      "logs:PutLogEvents"    = toset(["${module.image_function.log_group_arn}:*"])
      "s3:GetObject"         = toset(["arn:aws:s3:::talks-transcripts/*", "arn:aws:s3:::talks-images/*"])
      "s3:PutObject"         = toset(["arn:aws:s3:::talks-images/*"])
      "s3:ListBucket"        = toset(["arn:aws:s3:::talks-transcripts", "arn:aws:s3:::talks-images"])
      "sqs:SendMessage"      = toset([output.image_dead_letter_queue_arn])
      "bedrock:InvokeModel" = toset([
        "arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1",
        "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
      ])
      "translate:TranslateText" = toset(["*"])
      "events:PutEvents"        = toset(["arn:aws:events:eu-west-1:123456789012:event-bus/default"])
    }
    error_message = "The image role must allow exactly: its logs, reading transcripts and images, writing images, listing both, its dead-letter queue, the image model and the director's profile in the model's Region (us-west-2, not the module's eu-west-1), TranslateText and completion events on the default bus."
  }

  assert {
    condition     = !strcontains(module.image_function.role_policy_json, "talks-audio")
    error_message = "The image function has no business with the audio bucket."
  }

  assert {
    condition     = !strcontains(module.transcription_function.role_policy_json, "talks-images")
    error_message = "The transcription function has no business with the image bucket."
  }
}

run "bedrock_permissions_follow_the_chosen_models_and_inference_profiles" {
  command = apply

  variables {
    image_model_id  = "stability.sd3-5-large-v1:0"
    prompt_model_id = "us.amazon.nova-lite-v1:0"
  }

  assert {
    condition = toset(one([
      for statement in jsondecode(module.image_function.role_policy_json).Statement : statement.Resource if contains(statement.Action, "bedrock:InvokeModel")
      ])) == toset([
      "arn:aws:bedrock:us-west-2::foundation-model/stability.sd3-5-large-v1:0",
      "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
      "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
    ])
    error_message = "InvokeModel must name the image model, and the prompt model's inference profile plus its foundation model in the profile's Regions."
  }

  assert {
    condition     = output.function_environment.illustrate_scenes.PROMPT_MODEL_ID == "us.amazon.nova-lite-v1:0" && output.function_environment.illustrate_scenes.IMAGE_MODEL_ID == "stability.sd3-5-large-v1:0"
    error_message = "The image function's environment must carry the chosen models."
  }
}

run "omni_is_called_through_its_us_profile_from_the_chosen_region" {
  command = apply

  variables {
    image_model_id  = "us.amazon.nova-2-omni-v1:0"
    bedrock_region  = "us-west-2"
    prompt_director = false
  }

  assert {
    condition = toset(one([
      for statement in jsondecode(module.image_function.role_policy_json).Statement : statement.Resource if contains(statement.Action, "bedrock:InvokeModel")
      ])) == toset([
      "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.amazon.nova-2-omni-v1:0",
      "arn:aws:bedrock:*::foundation-model/amazon.nova-2-omni-v1:0",
    ])
    error_message = "Omni needs its profile ARN in the Bedrock Region plus the foundation model in the profile's Regions; no director model when the director is off."
  }

  assert {
    condition     = output.function_environment.illustrate_scenes.BEDROCK_REGION == "us-west-2" && output.function_environment.illustrate_scenes.PROMPT_DIRECTOR == "false" && !contains(keys(output.function_environment.illustrate_scenes), "PROMPT_MODEL_ID")
    error_message = "The chosen Bedrock Region and the director switch must reach the function."
  }
}

run "the_director_is_called_in_the_bedrock_region_of_the_image_model" {
  command = apply

  variables {
    image_model_id  = "us.amazon.nova-2-omni-v1:0"
    prompt_model_id = "us.amazon.nova-micro-v1:0"
  }

  assert {
    condition = toset(one([
      for statement in jsondecode(module.image_function.role_policy_json).Statement : statement.Resource if contains(statement.Action, "bedrock:InvokeModel")
      ])) == toset([
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-2-omni-v1:0",
      "arn:aws:bedrock:*::foundation-model/amazon.nova-2-omni-v1:0",
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-micro-v1:0",
      "arn:aws:bedrock:*::foundation-model/amazon.nova-micro-v1:0",
    ])
    error_message = "With Omni (home Region us-east-1) both profiles are granted in us-east-1."
  }

  assert {
    condition     = output.function_environment.illustrate_scenes.BEDROCK_REGION == "us-east-1" && output.function_environment.illustrate_scenes.PROMPT_MODEL_ID == "us.amazon.nova-micro-v1:0"
    error_message = "The image model's home Region and the chosen director must reach the function."
  }
}

run "a_retired_image_model_is_refused_at_plan" {
  command = plan

  variables {
    image_model_id = "amazon.nova-canvas-v1:0"
  }

  expect_failures = [var.image_model_id]
}

run "a_retired_titan_model_is_refused_at_plan" {
  command = plan

  variables {
    image_model_id = "amazon.titan-image-generator-v2:0"
  }

  expect_failures = [var.image_model_id]
}

run "a_retired_director_model_is_refused_at_plan" {
  command = plan

  variables {
    prompt_model_id = "amazon.nova-premier-v1:0"
  }

  expect_failures = [var.prompt_model_id]
}

run "a_region_where_the_model_does_not_run_is_refused" {
  command = plan

  variables {
    bedrock_region = "eu-west-1"
  }

  expect_failures = [var.bedrock_region]
}

run "an_aspect_ratio_the_model_does_not_offer_is_refused" {
  command = plan

  variables {
    image_model_id     = "us.amazon.nova-2-omni-v1:0"
    image_aspect_ratio = "21:9"
  }

  expect_failures = [var.image_aspect_ratio]
}

run "upload_api_role_may_only_put_into_the_audio_bucket" {
  command = apply

  assert {
    condition = [for statement in jsondecode(module.upload_api.role_policy_json).Statement : {
      effect = statement.Effect, actions = statement.Action, resources = statement.Resource
    }] == [{ effect = "Allow", actions = ["s3:PutObject"], resources = ["arn:aws:s3:::talks-audio/*"] }]
    error_message = "The upload API's role may do nothing but s3:PutObject into the audio bucket."
  }
}

################################################################################
# Functions
################################################################################

run "functions_run_their_handlers_from_the_packaged_zips" {
  command = apply

  assert {
    condition     = module.transcription_function.configuration.handler == "start_transcription.handler.handler" && module.image_function.configuration.handler == "illustrate_scenes.handler.handler"
    error_message = "Wrong handler strings."
  }

  assert {
    condition = [module.transcription_function.configuration.filename, module.transcription_function.configuration.source_code_hash] == [
      "build/lambda/start_transcription.zip", "dHJhbnNjcmlwdGlvbi16aXAtaGFzaA=="
    ]
    error_message = "The transcription function must deploy the start_transcription zip with its hash from scripts/package.py."
  }

  assert {
    condition = [module.image_function.configuration.filename, module.image_function.configuration.source_code_hash] == [
      "build/lambda/illustrate_scenes.zip", "aW1hZ2UtemlwLWhhc2g="
    ]
    error_message = "The image function must deploy the illustrate_scenes zip with its hash from scripts/package.py."
  }

  assert {
    condition     = data.external.package.query.out == "./build/lambda" && data.external.package.program[1] == "./scripts/package.py" && contains(data.external.package.program, "--terraform")
    error_message = "Terraform must run scripts/package.py --terraform from the module's own directory."
  }

  assert {
    condition     = module.transcription_function.configuration.runtime == "python3.13" && module.transcription_function.configuration.architectures == tolist(["arm64"]) && module.image_function.configuration.architectures == tolist(["arm64"])
    error_message = "Both functions default to python3.13 on arm64."
  }

  assert {
    condition     = module.transcription_function.configuration.timeout == 60 && module.image_function.configuration.timeout == 900 && module.image_function.configuration.reserved_concurrent_executions == -1
    error_message = "Default timeouts (60 s, 900 s) are wrong, or the image function reserves concurrency (a new account's quota would refuse it)."
  }
}

run "failed_events_go_to_each_functions_own_dead_letter_queue" {
  command = apply

  variables {
    transcription_maximum_retry_attempts       = 0
    image_maximum_event_age_in_seconds         = 600
    transcription_maximum_event_age_in_seconds = 3600
  }

  assert {
    condition     = module.transcription_function.configuration.on_failure_destination == output.transcription_dead_letter_queue_arn && module.image_function.configuration.on_failure_destination == output.image_dead_letter_queue_arn
    error_message = "Each function's failures must go to its own dead-letter queue."
  }

  assert {
    condition     = output.transcription_dead_letter_queue_arn != output.image_dead_letter_queue_arn
    error_message = "The two functions share a dead-letter queue."
  }

  assert {
    condition = [
      module.transcription_function.configuration.maximum_retry_attempts, module.transcription_function.configuration.maximum_event_age_in_seconds,
      module.image_function.configuration.maximum_retry_attempts, module.image_function.configuration.maximum_event_age_in_seconds,
    ] == [0, 3600, 1, 600]
    error_message = "The retry and event-age variables do not reach their functions."
  }
}

run "environment_holds_exactly_the_documented_variables" {
  command = apply

  assert {
    condition = module.transcription_function.environment_variables == tomap({
      TRANSCRIPT_BUCKET        = "talks-transcripts"
      MAX_SPEAKER_LABELS       = "0"
      MAX_AUDIO_SECONDS        = "7200"
      LOG_LEVEL                = "INFO"
      VOCABULARY_FILTER_METHOD = "mask"
      REDACT_PII               = "false"
      DATA_ACCESS_ROLE_ARN     = "arn:aws:iam::123456789012:role/talks-transcribe-data-access"
    })
    error_message = "Transcription environment by default: the transcript bucket, no diarization, 2 h cap, INFO, deferred execution with the data-access role; no LANGUAGE_CODE (automatic identification), no output key."
  }

  assert {
    condition = module.image_function.environment_variables == tomap({
      IMAGE_BUCKET            = "talks-images"
      IMAGE_MODEL_ID          = "stability.stable-image-core-v1:1"
      SCENE_SECONDS           = "30"
      MAX_IMAGES_PER_FILE     = "10"
      PROMPT_DIRECTOR         = "true"
      PROMPT_MODEL_ID         = "us.amazon.nova-lite-v1:0"
      BEDROCK_REGION          = "us-west-2"
      IMAGE_CONCURRENCY       = "4"
      IMAGE_ASPECT_RATIO      = "16:9"
      LOG_LEVEL               = "INFO"
      SUBTITLE_PROFILE        = "auto"
      SUBTITLE_MAX_LINE_CHARS = "0"
      SUBTITLE_MAX_CPS        = "0"
    })
    error_message = "Image environment by default: the image bucket, Stable Image Core in us-west-2 (its home Region), the director on Nova Lite, 30 s scenes, 10 images, 4 threads, 16:9, subtitles by the transcript's language; no style, no translations."
  }

  assert {
    condition     = output.function_environment == { start_transcription = module.transcription_function.environment_variables, illustrate_scenes = module.image_function.environment_variables }
    error_message = "function_environment must show both functions' environments."
  }
}

run "environment_follows_the_variables" {
  command = apply

  variables {
    language_code       = "de-DE"
    max_speaker_labels  = 3
    max_audio_seconds   = 14400
    log_level           = "DEBUG"
    scene_seconds       = 45
    max_images_per_file = 3
    image_style         = "pencil sketch"
    image_concurrency   = 2
    image_aspect_ratio  = "3:2"
  }

  assert {
    condition     = output.function_environment.start_transcription == tomap({ TRANSCRIPT_BUCKET = "talks-transcripts", LANGUAGE_CODE = "de-DE", MAX_SPEAKER_LABELS = "3", MAX_AUDIO_SECONDS = "14400", LOG_LEVEL = "DEBUG", VOCABULARY_FILTER_METHOD = "mask", REDACT_PII = "false", DATA_ACCESS_ROLE_ARN = "arn:aws:iam::123456789012:role/talks-transcribe-data-access" })
    error_message = "The transcription settings do not reach the function's environment."
  }

  assert {
    condition = [for key in ["SCENE_SECONDS", "MAX_IMAGES_PER_FILE", "IMAGE_STYLE", "IMAGE_CONCURRENCY", "IMAGE_ASPECT_RATIO", "LOG_LEVEL"] :
    output.function_environment.illustrate_scenes[key]] == ["45", "3", "pencil sketch", "2", "3:2", "DEBUG"]
    error_message = "The image settings do not reach the function's environment."
  }
}

run "subtitle_settings_reach_the_image_function" {
  command = apply

  variables {
    subtitle_profile        = "korean"
    subtitle_max_line_chars = 18
    subtitle_max_cps        = 14
  }

  assert {
    condition = [for key in ["SUBTITLE_PROFILE", "SUBTITLE_MAX_LINE_CHARS", "SUBTITLE_MAX_CPS"] :
    output.function_environment.illustrate_scenes[key]] == ["korean", "18", "14"]
    error_message = "The subtitle settings do not reach the image function's environment."
  }
}

run "translated_subtitles_get_translate_and_their_settings" {
  command = apply

  variables {
    subtitle_languages          = ["en", "ja"]
    translate_terminology_names = ["harbour-names"]
  }

  assert {
    condition = [for key in ["SUBTITLE_LANGUAGES", "TRANSLATE_TERMINOLOGY_NAMES"] :
    output.function_environment.illustrate_scenes[key]] == ["en,ja", "harbour-names"]
    error_message = "The translation settings do not reach the image function's environment."
  }

  assert {
    condition     = strcontains(module.image_function.role_policy_json, "translate:TranslateText") && strcontains(module.image_function.role_policy_json, ":terminology/harbour-names")
    error_message = "With subtitle_languages the image function needs translate:TranslateText, on the terminology too."
  }
}

run "translate_is_granted_once_without_a_terminology_by_default" {
  command = apply

  assert {
    condition     = length(regexall("translate:TranslateText", module.image_function.role_policy_json)) == 1 && !strcontains(module.image_function.role_policy_json, ":terminology/")
    error_message = "The image function gets translate:TranslateText once (scene text without the director, and subtitle tracks), and no terminology it was not given."
  }
}

run "two_terminologies_fail_the_plan" {
  command = plan

  variables {
    subtitle_languages          = ["en"]
    translate_terminology_names = ["one", "two"]
  }

  expect_failures = [var.translate_terminology_names]
}

run "transcription_controls_reach_the_transcription_function" {
  command = apply

  variables {
    language_code            = "en-US"
    vocabulary_name          = "harbour-terms"
    vocabulary_filter_name   = "no-swearing"
    vocabulary_filter_method = "tag"
    redact_pii               = true
  }

  assert {
    condition = [for key in ["VOCABULARY_NAME", "VOCABULARY_FILTER_NAME", "VOCABULARY_FILTER_METHOD", "REDACT_PII"] :
    output.function_environment.start_transcription[key]] == ["harbour-terms", "no-swearing", "tag", "true"]
    error_message = "The transcription controls do not reach the function's environment."
  }
}

run "a_vocabulary_without_language_code_fails_the_plan" {
  command = plan

  variables {
    vocabulary_name = "harbour-terms"
  }

  expect_failures = [output.function_environment]
}

run "korean_pii_redaction_fails_the_plan" {
  command = plan

  variables {
    language_code = "ko-KR"
    redact_pii    = true
  }

  expect_failures = [output.function_environment]
}

run "an_unknown_subtitle_profile_fails_the_plan" {
  command = plan

  variables {
    subtitle_profile = "klingon"
  }

  expect_failures = [var.subtitle_profile]
}

run "a_fractional_reading_speed_fails_the_plan" {
  command = plan

  variables {
    subtitle_max_cps = 12.5
  }

  expect_failures = [var.subtitle_max_cps]
}

run "language_options_are_passed_comma_separated" {
  command = apply

  variables {
    language_options = ["en-US", "de-DE", "fr-FR"]
  }

  assert {
    condition     = output.function_environment.start_transcription.LANGUAGE_OPTIONS == "en-US,de-DE,fr-FR" && !contains(keys(output.function_environment.start_transcription), "LANGUAGE_CODE")
    error_message = "LANGUAGE_OPTIONS must be comma-separated, with LANGUAGE_CODE unset."
  }
}

run "language_options_with_a_fixed_language_fail_the_plan" {
  command = plan

  variables {
    language_code    = "en-US"
    language_options = ["en-US", "de-DE"]
  }

  expect_failures = [output.function_environment]
}

run "the_longest_style_fits_the_default_model" {
  command = plan

  variables {
    image_style = join("", [for i in range(500) : "x"])
  }

  assert {
    condition     = length(output.function_environment.illustrate_scenes.IMAGE_STYLE) == 500
    error_message = "A 500-character style is within half of Stable Image Core's 10,000-character prompt limit."
  }
}

run "a_fractional_or_zero_audio_cap_is_rejected" {
  command = plan

  variables {
    max_audio_seconds = 0.5
  }

  expect_failures = [var.max_audio_seconds]
}

################################################################################
# Failed Transcribe jobs and deferred execution
################################################################################

run "failed_transcribe_jobs_invoke_the_transcription_function" {
  command = apply

  assert {
    condition     = keys(module.transcription_function.event_rules) == ["failed-jobs"] && length(module.image_function.event_rules) == 0
    error_message = "One EventBridge rule, for the transcription function only."
  }

  assert {
    condition = jsondecode(module.transcription_function.event_rules["failed-jobs"].event_pattern) == {
      source        = ["aws.transcribe"]
      "detail-type" = ["Transcribe Job State Change"]
      detail        = { TranscriptionJobStatus = ["FAILED"] }
    }
    error_message = "The rule must match Transcribe job state changes to FAILED, and nothing else."
  }

  assert {
    condition     = module.transcription_function.event_rules["failed-jobs"].name == "talks-start-transcription-failed-jobs" && module.transcription_function.event_rules["failed-jobs"].target_arn == output.transcription_function_arn
    error_message = "The rule <function>-failed-jobs must target the transcription function."
  }

  assert {
    condition     = output.transcription_failed_jobs_rule_arn == module.transcription_function.event_rules["failed-jobs"].arn
    error_message = "The rule's ARN is an output."
  }

  assert {
    condition = module.transcription_function.event_rules["failed-jobs"].permission == {
      principal  = "events.amazonaws.com"
      action     = "lambda:InvokeFunction"
      source_arn = module.transcription_function.event_rules["failed-jobs"].arn
      function   = output.transcription_function_name
    }
    error_message = "EventBridge may invoke the transcription function for this rule only."
  }
}

run "deferred_execution_can_be_turned_off" {
  command = apply

  variables {
    transcribe_allow_deferred_execution = false
  }

  assert {
    condition     = length(aws_iam_role.transcribe_data_access) == 0 && length(aws_iam_role_policy.transcribe_data_access) == 0 && output.transcribe_data_access_role_arn == null
    error_message = "Without transcribe_allow_deferred_execution there is no data-access role."
  }

  assert {
    condition     = !strcontains(module.transcription_function.role_policy_json, "iam:PassRole") && !contains(keys(output.function_environment.start_transcription), "DATA_ACCESS_ROLE_ARN")
    error_message = "Without deferred execution the function passes no role and gets none."
  }
}

# On by default: a burst over Transcribe's concurrent-job quota queues in Transcribe instead of failing into the
# dead-letter queue (Lambda retries twice within about 3 minutes, shorter than a job runs).
run "deferred_execution_is_on_by_default_and_lets_transcribe_alone_read_audio_and_write_transcripts" {
  command = apply

  assert {
    condition     = aws_iam_role.transcribe_data_access[0].name == "talks-transcribe-data-access" && output.function_environment.start_transcription.DATA_ACCESS_ROLE_ARN == "arn:aws:iam::123456789012:role/talks-transcribe-data-access" && output.transcribe_data_access_role_arn == "arn:aws:iam::123456789012:role/talks-transcribe-data-access"
    error_message = "The data-access role must reach the function as DATA_ACCESS_ROLE_ARN."
  }

  assert {
    condition = jsondecode(aws_iam_role.transcribe_data_access[0].assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "transcribe.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only Amazon Transcribe, for jobs of this account, may assume the data-access role."
  }

  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.transcribe_data_access[0].policy).Statement : {
      effect = statement.Effect, actions = statement.Action, resources = statement.Resource
      }] == [
      { effect = "Allow", actions = ["s3:GetObject"], resources = ["arn:aws:s3:::talks-audio/*"] },
      { effect = "Allow", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-transcripts"] },
      { effect = "Allow", actions = ["s3:PutObject"], resources = ["arn:aws:s3:::talks-transcripts/transcripts/*"] },
    ]
    error_message = "The data-access role may read the audio, list the two buckets and write under transcripts/, nothing else."
  }

  assert {
    condition = [for statement in jsondecode(module.transcription_function.role_policy_json).Statement : {
      resources = statement.Resource, condition = statement.Condition
      } if contains(statement.Action, "iam:PassRole")] == [{
      resources = ["arn:aws:iam::123456789012:role/talks-transcribe-data-access"]
      condition = { StringEquals = { "iam:PassedToService" = ["transcribe.amazonaws.com"] } }
    }]
    error_message = "The transcription role may pass exactly the data-access role, and only to Amazon Transcribe."
  }
}

################################################################################
# Upload API and outputs
################################################################################

run "upload_api_writes_into_the_audio_bucket_at_folder_object" {
  command = apply

  assert {
    condition     = module.upload_api.integration_uri == "arn:aws:apigateway:eu-west-1:s3:path/talks-audio/{folder}/{object}"
    error_message = "The integration must name the audio bucket and use {folder}/{object} as the key."
  }

  assert {
    condition = module.upload_api.integration_request_parameters == tomap({
      "integration.request.path.folder"         = "method.request.path.folder"
      "integration.request.path.object"         = "method.request.path.object"
      "integration.request.header.Content-Type" = "method.request.header.Content-Type"
    })
    error_message = "Only {folder}, {object} and Content-Type may pass from the request to S3 (never the bucket)."
  }

  assert {
    condition     = module.upload_api.binary_media_types == tolist(["*/*"])
    error_message = "Every content type must pass as binary, or audio is corrupted."
  }

  assert {
    condition     = module.upload_api.api_key_required && output.api_key_id != null
    error_message = "An API key is required by default, and its id is an output."
  }
}

run "upload_api_presigns_large_uploads_with_its_own_function" {
  command = apply

  assert {
    condition     = module.upload_api.presign_route.http_method == "POST" && module.upload_api.presign_route.api_key_required && module.upload_api.presign_route.integration_type == "AWS_PROXY"
    error_message = "By default the upload API answers POST /{folder}/{object} (same API key) through the presign function."
  }

  assert {
    condition = jsonencode(module.upload_api.presign_function_configuration) == jsonencode({
      handler               = "presign_upload.handler.handler"
      runtime               = "python3.13"
      architectures         = ["arm64"]
      memory_size           = 128
      timeout               = 10
      tracing_mode          = "PassThrough"
      environment           = { AUDIO_BUCKET = "talks-audio", LOG_LEVEL = "INFO", URL_EXPIRY_SECONDS = "900" }
      log_retention_in_days = 30
      log_group_kms_key_id  = null
    })
    error_message = "The presign function signs for the audio bucket with the module's runtime, architecture, log level and retention."
  }

  assert {
    condition     = output.presign_function_name == "talks-presign-upload" && module.upload_api.presign_log_group_name == "/aws/lambda/talks-presign-upload"
    error_message = "The presign function is <name>-presign-upload, the name the key policy uses for its log group."
  }

  assert {
    condition = [for statement in jsondecode(module.upload_api.presign_role_policy_json).Statement : {
      actions = statement.Action, resources = statement.Resource
      } if statement.Sid != "WriteOwnLogs"] == [
      { actions = ["s3:PutObject"], resources = ["arn:aws:s3:::talks-audio/*"] }
    ]
    error_message = "Besides its logs, the presign role may only put objects into the audio bucket."
  }
}

run "presigned_uploads_follow_the_variables" {
  command = apply

  variables {
    presigned_url_expiry_seconds = 300
    lambda_runtime               = "python3.12"
    log_level                    = "WARNING"
  }

  assert {
    condition     = module.upload_api.presign_function_configuration.environment == tomap({ AUDIO_BUCKET = "talks-audio", URL_EXPIRY_SECONDS = "300", LOG_LEVEL = "WARNING" }) && module.upload_api.presign_function_configuration.runtime == "python3.12"
    error_message = "Expiry, log level and runtime must reach the presign function."
  }
}

run "presigned_uploads_can_be_turned_off" {
  command = apply

  variables {
    presigned_upload_enabled = false
  }

  assert {
    condition     = output.presign_url_template == null && output.presign_function_name == null && module.upload_api.presign_route == null
    error_message = "presigned_upload_enabled = false leaves no POST route and no function."
  }

  assert {
    condition     = output.upload_url_template == "${output.stage_url}/{folder}/{object}"
    error_message = "The PUT upload stays."
  }
}

run "an_out_of_range_expiry_fails_the_plan" {
  command = plan

  variables {
    presigned_url_expiry_seconds = 7200
  }

  expect_failures = [var.presigned_url_expiry_seconds]
}

run "outputs_are_well_formed" {
  command = apply

  assert {
    condition     = can(regex("^https://[a-z0-9]+\\.execute-api\\.[a-z0-9-]+\\.amazonaws\\.com/v1$", output.stage_url))
    error_message = "stage_url must be the stage's https URL without a trailing slash."
  }

  assert {
    condition     = output.upload_url_template == "${output.stage_url}/{folder}/{object}"
    error_message = "upload_url_template must be the stage URL plus /{folder}/{object}."
  }

  assert {
    condition     = output.presign_url_template == output.upload_url_template
    error_message = "presign_url_template is the same URL as upload_url_template, for POST."
  }

  assert {
    condition     = output.curl_command == "curl -i -T talk.mp3 -H \"Content-Type: audio/mpeg\" -H \"x-api-key: $(terraform output -raw api_key_value)\" \"${output.stage_url}/talks/talk.mp3\""
    error_message = "curl_command must PUT talk.mp3 to talks/talk.mp3 with the API key read from terraform output."
  }

  assert {
    condition     = can(regex("^[A-Za-z0-9]+$", output.rest_api_id)) && output.transcription_function_name == "talks-start-transcription" && output.image_function_name == "talks-illustrate-scenes"
    error_message = "Function names are <name>-start-transcription and <name>-illustrate-scenes."
  }
}

run "without_an_api_key_the_curl_command_sends_none" {
  command = apply

  variables {
    api_key_required = false
  }

  assert {
    condition     = !module.upload_api.api_key_required && output.api_key_id == null
    error_message = "With api_key_required = false there is no key."
  }

  assert {
    condition     = output.curl_command == "curl -i -T talk.mp3 -H \"Content-Type: audio/mpeg\" \"${output.stage_url}/talks/talk.mp3\""
    error_message = "Without a key the curl command must not send x-api-key."
  }
}

################################################################################
# Input validation
################################################################################

run "an_unknown_image_model_is_rejected" {
  command = plan

  variables {
    image_model_id = "openai.dall-e-3"
  }

  expect_failures = [var.image_model_id]
}

run "out_of_range_settings_are_rejected" {
  command = plan

  variables {
    max_images_per_file                  = 0
    image_concurrency                    = 17
    scene_seconds                        = 2.5
    language_options                     = ["en-US"]
    language_code                        = "english"
    max_speaker_labels                   = 1
    max_audio_seconds                    = 14401
    transcription_maximum_retry_attempts = 3
    image_maximum_event_age_in_seconds   = 30
    name                                 = "Talks_Upper"
  }

  expect_failures = [
    var.max_images_per_file,
    var.image_concurrency,
    var.scene_seconds,
    var.language_options,
    var.language_code,
    var.max_speaker_labels,
    var.max_audio_seconds,
    var.transcription_maximum_retry_attempts,
    var.image_maximum_event_age_in_seconds,
    var.name,
  ]
}
