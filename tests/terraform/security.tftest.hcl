# The root module's security properties, planned and applied against mock providers: the upload API's key and
# limits, private TLS-only encrypted buckets, least-privilege roles (no "*" resource but the one AWS cannot scope),
# and the optional customer managed KMS key with exactly the permissions each role needs.

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

# Computed by AWS; the mocks get the real forms so that the policies can be read.
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

override_resource {
  target = module.upload_api.aws_cloudwatch_log_group.presign
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-presign-upload" }
}

override_resource {
  target = aws_kms_key.this
  values = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

################################################################################
# Defaults
################################################################################

run "the_upload_api_needs_a_key_and_is_throttled_by_default" {
  command = apply

  assert {
    condition     = module.upload_api.api_key_required && output.api_key_id != null && module.upload_api.usage_plan_id != null
    error_message = "Uploads must need an API key, in a usage plan, by default."
  }

  assert {
    condition     = module.upload_api.usage_plan == { throttle = { rate_limit = 5, burst_limit = 10 }, quota = { limit = 1000, period = "MONTH" } }
    error_message = "The usage plan must throttle each key (5/s, burst 10) and give it a monthly quota (1000) by default."
  }

  assert {
    condition     = module.upload_api.stage_throttle == { rate_limit = 5, burst_limit = 10 }
    error_message = "The stage must be throttled too, whoever calls."
  }
}

run "buckets_are_private_tls_only_and_encrypted_by_default" {
  command = apply

  assert {
    condition     = toset(keys(module.bucket)) == toset(["audio", "transcript", "image"])
    error_message = "Expected the three buckets."
  }

  assert {
    condition = alltrue([
      for bucket in values(module.bucket) : alltrue(values(bucket.public_access_block)) && length(bucket.public_access_block) == 4 && bucket.object_ownership == "BucketOwnerEnforced"
    ])
    error_message = "Every bucket must block all public access and disable ACLs."
  }

  assert {
    condition = alltrue([
      for bucket in values(module.bucket) : anytrue([
        for statement in jsondecode(bucket.policy_json).Statement :
        statement.Effect == "Deny" && statement.Principal == "*" && statement.Action == "s3:*" &&
        toset(statement.Resource) == toset([bucket.arn, "${bucket.arn}/*"]) &&
        statement.Condition == { Bool = { "aws:SecureTransport" = "false" } }
      ])
    ])
    error_message = "Every bucket's policy must deny any request without TLS, on the bucket and on its objects."
  }

  assert {
    condition     = alltrue([for bucket in values(module.bucket) : bucket.encryption.sse_algorithm == "AES256" && bucket.encryption.kms_master_key_id == null])
    error_message = "Without a customer managed key every bucket must still be encrypted (SSE-S3)."
  }

  assert {
    condition = alltrue([
      for function in [module.transcription_function, module.image_function] :
      function.configuration.dead_letter_queue.sqs_managed_sse_enabled && function.configuration.dead_letter_queue.message_retention_seconds == 1209600
    ])
    error_message = "Both dead-letter queues must be encrypted (SQS-managed) and keep failed events 14 days."
  }
}

run "no_role_may_act_on_every_resource_but_to_start_transcription_jobs_and_translate_text" {
  command = apply

  # Every statement of every role policy the module writes: the three functions' roles and the upload API's role.
  assert {
    condition = toset(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement : statement.Action if contains(statement.Resource, "*")
      ]
    ])) == toset(["transcribe:StartTranscriptionJob", "translate:TranslateText"])
    error_message = "Only transcribe:StartTranscriptionJob and translate:TranslateText (no resource-level permissions without a terminology) may be granted on \"*\"."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement : [for action in statement.Action : !strcontains(action, "*")]
      ]
    ]))
    error_message = "No role may be granted a wildcard action."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement : statement.Effect == "Allow" && length(statement.Resource) > 0
      ]
    ]))
    error_message = "Every statement must allow named resources."
  }

  assert {
    condition     = output.kms_key_arn == null && length(aws_kms_key.this) == 0 && !strcontains(join("", [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json]), "kms:")
    error_message = "Without a customer managed key there is no key and no kms permission."
  }

  assert {
    condition     = !contains(keys(output.function_environment.start_transcription), "OUTPUT_KMS_KEY_ARN")
    error_message = "Without a customer managed key Transcribe is given no output key."
  }
}

run "the_data_access_role_may_use_the_key_only_through_s3_for_audio_and_transcripts" {
  command = apply

  variables {
    create_kms_key                      = true
    transcribe_allow_deferred_execution = true
  }

  assert {
    condition = jsonencode({
      for statement in jsondecode(aws_iam_role_policy.transcribe_data_access[0].policy).Statement :
      join(",", statement.Action) => {
        resources = statement.Resource
        via       = statement.Condition.StringEquals["kms:ViaService"]
        contexts  = sort(try(statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"], []))
      } if anytrue([for action in statement.Action : startswith(action, "kms:")])
      }) == jsonencode({
      "kms:Decrypt"                                     = { resources = [output.kms_key_arn], via = ["s3.eu-west-1.amazonaws.com"], contexts = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"] }
      "kms:GenerateDataKey,kms:Decrypt"                 = { resources = [output.kms_key_arn], via = ["s3.eu-west-1.amazonaws.com"], contexts = ["arn:aws:s3:::talks-transcripts", "arn:aws:s3:::talks-transcripts/*"] }
      "kms:DescribeKey,kms:Encrypt,kms:GenerateDataKey" = { resources = [output.kms_key_arn], via = ["transcribe.eu-west-1.amazonaws.com"], contexts = [] }
    })
    error_message = "Queued jobs run with the data-access role: it needs the key as the caller does, through S3 for its two buckets, and through Transcribe for the output key."
  }

  # OutputEncryptionKMSKeyId: "the role making the request and the role specified in the DataAccessRoleArn request
  # parameter (if present) must have permission to use the specified KMS key" (StartTranscriptionJob reference).
  assert {
    condition = [for statement in jsondecode(module.transcription_function.role_policy_json).Statement : {
      resources = statement.Resource, condition = statement.Condition
      } if contains(statement.Action, "kms:Encrypt")] == [{
      resources = [output.kms_key_arn]
      condition = { StringEquals = { "kms:ViaService" = ["transcribe.eu-west-1.amazonaws.com"] } }
    }]
    error_message = "The transcription role may use the output key for Transcribe, only through Transcribe."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_role_policy.transcribe_data_access[0].policy).Statement :
      statement.Effect == "Allow" && !contains(statement.Resource, "*") && alltrue([for action in statement.Action : !strcontains(action, "*")])
    ])
    error_message = "The data-access role names its resources and actions; no wildcard."
  }

  assert {
    condition     = output.function_environment.start_transcription.OUTPUT_KMS_KEY_ARN == output.kms_key_arn && output.function_environment.start_transcription.DATA_ACCESS_ROLE_ARN == aws_iam_role.transcribe_data_access[0].arn
    error_message = "Both the output key and the data-access role must reach the function."
  }
}

run "the_presign_role_can_only_log_and_write_into_the_audio_bucket" {
  command = apply

  # A presigned URL can do what its signer may do: the presign function's role bounds every URL it hands out.
  assert {
    condition = { for action, resources in {
      for pair in flatten([
        for statement in jsondecode(module.upload_api.presign_role_policy_json).Statement : [
          for action in statement.Action : { action = action, resources = statement.Resource }
        ]
      ]) : pair.action => pair.resources...
      } : action => toset(flatten(resources)) } == {
      "logs:CreateLogStream" = toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-presign-upload:*"])
      "logs:PutLogEvents"    = toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-presign-upload:*"])
      "s3:PutObject"         = toset(["arn:aws:s3:::talks-audio/*"])
    }
    error_message = "The presign role may write its own logs and put objects into the audio bucket, nothing else."
  }
}

run "the_upload_role_can_write_only_into_the_audio_bucket" {
  command = apply

  assert {
    condition     = toset(flatten([for statement in jsondecode(module.upload_api.role_policy_json).Statement : statement.Action])) == toset(["s3:PutObject"])
    error_message = "The upload API's role may only put objects."
  }

  assert {
    condition     = toset(flatten([for statement in jsondecode(module.upload_api.role_policy_json).Statement : statement.Resource])) == toset(["arn:aws:s3:::talks-audio/*"])
    error_message = "The upload API's role may only put objects into the audio bucket."
  }
}

################################################################################
# Customer managed key
################################################################################

run "a_created_key_encrypts_buckets_queues_and_logs" {
  command = apply

  variables {
    create_kms_key         = true
    api_access_log_enabled = true
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" && output.kms_key_alias == "alias/talks"
    error_message = "The created key and its alias alias/<name> must be outputs."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_key.this[0].deletion_window_in_days == 30 && aws_kms_alias.this[0].target_key_id == aws_kms_key.this[0].key_id
    error_message = "The key must rotate, keep the 30-day deletion window by default and be the alias' target."
  }

  assert {
    condition = alltrue([
      for bucket in values(module.bucket) :
      bucket.encryption.sse_algorithm == "aws:kms" && bucket.encryption.kms_master_key_id == output.kms_key_arn && bucket.encryption.bucket_key_enabled
    ])
    error_message = "All three buckets must default to SSE-KMS with the key and a bucket key."
  }

  assert {
    condition     = module.transcription_function.configuration.dead_letter_queue.kms_master_key_id == output.kms_key_arn && module.image_function.configuration.dead_letter_queue.kms_master_key_id == output.kms_key_arn
    error_message = "Both dead-letter queues must use the key."
  }

  assert {
    condition     = module.transcription_function.configuration.dead_letter_queue.message_retention_seconds == 1209600 && module.image_function.configuration.dead_letter_queue.message_retention_seconds == 1209600
    error_message = "The key changes nothing about the queues' retention."
  }

  assert {
    condition = [
      module.transcription_function.configuration.log_group_kms_key_id, module.image_function.configuration.log_group_kms_key_id, module.upload_api.access_log_group_kms_key_id,
      module.upload_api.presign_function_configuration.log_group_kms_key_id,
    ] == [output.kms_key_arn, output.kms_key_arn, output.kms_key_arn, output.kms_key_arn]
    error_message = "The functions' and the API's log groups must use the key."
  }

  assert {
    condition = jsondecode(aws_kms_key.this[0].policy).Statement[0] == {
      Sid       = "AccountAdministersKeyAndDelegatesUseToIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "kms:*"
      Resource  = "*"
    }
    error_message = "The account must administer the key, and IAM policies grant its use."
  }

  # The log groups are named from the same names the submodules use: the policy must name exactly the real ones.
  assert {
    condition = [for statement in jsondecode(aws_kms_key.this[0].policy).Statement : {
      principal = statement.Principal.Service
      actions   = statement.Action
      groups    = toset(statement.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"])
      } if statement.Sid == "CloudWatchLogsEncryptsThePipelineLogGroups"] == [{
      principal = "logs.eu-west-1.amazonaws.com"
      actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      groups = toset([
        for name in [module.transcription_function.log_group_name, module.image_function.log_group_name, module.upload_api.access_log_group_name, module.upload_api.presign_log_group_name, module.upload_api.results_log_group_name] :
        "arn:aws:logs:eu-west-1:123456789012:log-group:${name}"
      ])
    }]
    error_message = "CloudWatch Logs may use the key only for the pipeline's five log groups."
  }

  assert {
    condition     = length(jsondecode(aws_kms_key.this[0].policy).Statement) == 2
    error_message = "The key policy holds the account statement and the CloudWatch Logs statement, nothing else."
  }
}

run "each_role_may_use_the_key_only_for_its_own_buckets_and_queue" {
  command = apply

  variables {
    create_kms_key = true
  }

  # kms action => encryption contexts (buckets) it is allowed for, through S3. Transcribe reads the audio and writes
  # the transcript with the transcription role's permissions; Decrypt on transcripts: S3 needs it for an upload in
  # parts, and the function reads job records back for failed jobs.
  assert {
    condition = jsonencode({
      for statement in jsondecode(module.transcription_function.role_policy_json).Statement :
      join(",", statement.Action) => sort(statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"])
      if try(statement.Condition.StringEquals["kms:ViaService"], null) == ["s3.eu-west-1.amazonaws.com"]
      }) == jsonencode({
      "kms:Decrypt"                     = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"]
      "kms:GenerateDataKey,kms:Decrypt" = ["arn:aws:s3:::talks-transcripts", "arn:aws:s3:::talks-transcripts/*"]
    })
    error_message = "The transcription role may decrypt only audio and transcripts, and encrypt only transcripts."
  }

  # Without OutputEncryptionKMSKeyId Transcribe writes its output with SSE-S3, whatever the bucket's default.
  assert {
    condition     = output.function_environment.start_transcription.OUTPUT_KMS_KEY_ARN == output.kms_key_arn
    error_message = "With a customer managed key, the transcription function must tell Transcribe to encrypt its output with it."
  }

  assert {
    condition = jsonencode({
      for statement in jsondecode(module.image_function.role_policy_json).Statement :
      join(",", statement.Action) => sort(statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"])
      if try(statement.Condition.StringEquals["kms:ViaService"], null) == ["s3.eu-west-1.amazonaws.com"]
      }) == jsonencode({
      "kms:Decrypt"         = ["arn:aws:s3:::talks-images", "arn:aws:s3:::talks-images/*", "arn:aws:s3:::talks-transcripts", "arn:aws:s3:::talks-transcripts/*"]
      "kms:GenerateDataKey" = ["arn:aws:s3:::talks-images", "arn:aws:s3:::talks-images/*"]
    })
    error_message = "The image role may decrypt transcripts and images and encrypt only images."
  }

  assert {
    condition = jsonencode({
      for statement in jsondecode(module.upload_api.role_policy_json).Statement :
      join(",", statement.Action) => sort(statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"])
      if try(statement.Condition.StringEquals["kms:ViaService"], null) == ["s3.eu-west-1.amazonaws.com"]
      }) == jsonencode({
      "kms:GenerateDataKey" = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"]
    })
    error_message = "The upload API's role may only encrypt objects of the audio bucket."
  }

  assert {
    condition = jsonencode({
      for statement in jsondecode(module.upload_api.presign_role_policy_json).Statement :
      join(",", statement.Action) => sort(statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"])
      if try(statement.Condition.StringEquals["kms:ViaService"], null) == ["s3.eu-west-1.amazonaws.com"]
      }) == jsonencode({
      "kms:GenerateDataKey" = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"]
    })
    error_message = "The presign role may only encrypt objects of the audio bucket (S3 checks its presigned uploads against it)."
  }

  assert {
    condition = alltrue([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json] : length([
        for statement in jsondecode(policy).Statement : statement
        if toset(statement.Action) == toset(["kms:GenerateDataKey", "kms:Decrypt"]) && statement.Condition == { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com"] } }
      ]) == 1
    ])
    error_message = "Each function's role may use the key through SQS, to send failed events to its dead-letter queue."
  }

  # Only on that key, and never directly: every kms statement names the key alone and goes through a service.
  assert {
    condition = alltrue(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement :
        toset(statement.Resource) == toset([output.kms_key_arn]) && can(statement.Condition.StringEquals["kms:ViaService"])
        if anytrue([for action in statement.Action : startswith(action, "kms:")])
      ]
    ]))
    error_message = "kms permissions must name only the pipeline's key and apply only through S3 or SQS."
  }

  assert {
    condition = toset(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement : statement.Action if contains(statement.Resource, "*")
      ]
    ])) == toset(["transcribe:StartTranscriptionJob", "translate:TranslateText"])
    error_message = "With the key too, only transcribe:StartTranscriptionJob and translate:TranslateText may be granted on \"*\"."
  }

  assert {
    condition     = toset(flatten([for statement in jsondecode(module.upload_api.role_policy_json).Statement : [for resource in statement.Resource : resource if startswith(resource, "arn:aws:s3:")]])) == toset(["arn:aws:s3:::talks-audio/*"])
    error_message = "With the key too, the upload API's role may write only into the audio bucket."
  }
}

run "a_key_of_your_own_is_used_as_given" {
  command = apply

  variables {
    kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"
    kms_encrypt_log_groups = false
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0 && output.kms_key_arn == var.kms_key_arn && output.kms_key_alias == null
    error_message = "With kms_key_arn the module must use that key and create none."
  }

  assert {
    condition = alltrue([for bucket in values(module.bucket) : bucket.encryption.kms_master_key_id == var.kms_key_arn]) && alltrue([
      for function in [module.transcription_function, module.image_function] : function.configuration.dead_letter_queue.kms_master_key_id == var.kms_key_arn
    ])
    error_message = "The buckets and queues must use the given key."
  }

  assert {
    condition     = module.transcription_function.configuration.log_group_kms_key_id == null && module.image_function.configuration.log_group_kms_key_id == null
    error_message = "With kms_encrypt_log_groups = false the log groups keep CloudWatch Logs' own encryption."
  }

  assert {
    condition     = alltrue([for policy in [module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : alltrue([for statement in jsondecode(policy).Statement : toset(statement.Resource) == toset([var.kms_key_arn]) if contains(statement.Action, "kms:GenerateDataKey")])])
    error_message = "The roles' kms permissions must name the given key."
  }
}

run "creating_a_key_and_bringing_one_fail_the_plan" {
  command = plan

  variables {
    create_kms_key = true
    kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [output.kms_key_arn]
}

################################################################################
# Optional hardening
################################################################################

run "tracing_adds_only_the_x_ray_actions_on_every_resource" {
  command = apply

  variables {
    tracing_enabled = true
  }

  assert {
    condition     = module.transcription_function.configuration.tracing_mode == "Active" && module.image_function.configuration.tracing_mode == "Active" && module.upload_api.presign_function_configuration.tracing_mode == "Active" && module.upload_api.xray_tracing_enabled
    error_message = "tracing_enabled must turn on X-Ray for the three functions and the stage."
  }

  assert {
    condition = toset(flatten([
      for policy in [module.transcription_function.role_policy_json, module.image_function.role_policy_json, module.upload_api.role_policy_json, module.upload_api.presign_role_policy_json] : [
        for statement in jsondecode(policy).Statement : statement.Action if contains(statement.Resource, "*")
      ]
    ])) == toset(["transcribe:StartTranscriptionJob", "translate:TranslateText", "xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "Tracing may add only X-Ray's write actions (which have no resource-level permissions) on \"*\"."
  }
}

run "access_logs_and_web_acl_when_asked" {
  command = apply

  variables {
    bucket_access_log_bucket = "talks-access-logs"
    api_web_acl_arn          = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/uploads/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
  }

  assert {
    condition = { for role, bucket in module.bucket : role => bucket.access_logging } == {
      audio      = { target_bucket = "talks-access-logs", target_prefix = "talks/audio/" }
      transcript = { target_bucket = "talks-access-logs", target_prefix = "talks/transcript/" }
      image      = { target_bucket = "talks-access-logs", target_prefix = "talks/image/" }
    }
    error_message = "Each bucket must log to the access log bucket under <name>/<bucket role>/."
  }

  assert {
    condition     = module.upload_api.web_acl_arn == var.api_web_acl_arn
    error_message = "The web ACL must be associated with the upload API's stage."
  }
}

run "invalid_security_settings_are_rejected" {
  command = plan

  variables {
    kms_key_arn                           = "arn:aws:kms:eu-west-1:123456789012:alias/talks"
    kms_key_deletion_window_in_days       = 5
    bucket_access_log_bucket              = "arn:aws:s3:::talks-access-logs"
    api_web_acl_arn                       = "uploads"
    dead_letter_message_retention_seconds = 30
  }

  expect_failures = [
    var.kms_key_arn,
    var.kms_key_deletion_window_in_days,
    var.bucket_access_log_bucket,
    var.api_web_acl_arn,
    var.dead_letter_message_retention_seconds,
  ]
}
