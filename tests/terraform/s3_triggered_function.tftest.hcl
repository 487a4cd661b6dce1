# modules/s3-triggered-function on its own: function, role, log group, dead-letter queue, asynchronous-invocation
# settings, S3 permission and notification.

mock_provider "aws" {
  source = "./tests/terraform/mocks/aws"
}

variables {
  function_name      = "talks-start-transcription"
  handler            = "start_transcription.handler.handler"
  filename           = "build/lambda/start_transcription.zip"
  source_code_hash   = "c29tZS1oYXNo"
  source_bucket_name = "talks-audio"
  source_bucket_arn  = "arn:aws:s3:::talks-audio"
  output_bucket_arn  = "arn:aws:s3:::talks-transcripts"
  notification_filters = {
    mp3 = { filter_suffix = ".mp3" }
    MP3 = { filter_suffix = ".MP3" }
  }
  environment_variables = { TRANSCRIPT_BUCKET = "talks-transcripts" }
}

override_resource {
  target = aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:talks-start-transcription" }
}

override_resource {
  target = aws_sqs_queue.this
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:talks-start-transcription-dlq" }
}

override_resource {
  target = aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-start-transcription" }
}

run "function_with_its_own_logs_queue_and_trigger" {
  command = apply

  module {
    source = "./modules/s3-triggered-function"
  }

  assert {
    condition = [
      aws_lambda_function.this.function_name, aws_lambda_function.this.handler, aws_lambda_function.this.runtime,
      aws_lambda_function.this.filename, aws_lambda_function.this.source_code_hash, aws_lambda_function.this.role,
    ] == ["talks-start-transcription", "start_transcription.handler.handler", "python3.13", "build/lambda/start_transcription.zip", "c29tZS1oYXNo", aws_iam_role.this.arn]
    error_message = "The function must run the given handler from the given zip with its own role."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables == tomap({ TRANSCRIPT_BUCKET = "talks-transcripts" })
    error_message = "The environment must be passed on unchanged."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/talks-start-transcription" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The function's log group is /aws/lambda/<name> with a retention."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == aws_cloudwatch_log_group.this.name
    error_message = "The function must log into that group."
  }

  assert {
    condition     = aws_sqs_queue.this.name == "talks-start-transcription-dlq" && aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.this.message_retention_seconds == 1209600
    error_message = "The dead-letter queue must be encrypted and keep messages 14 days."
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == null && aws_cloudwatch_log_group.this.kms_key_id == null
    error_message = "Without a key, the queue and the log group use AWS managed encryption."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough" && output.configuration.tracing_mode == "PassThrough"
    error_message = "Active X-Ray tracing is opt-in."
  }

  assert {
    condition = [
      aws_lambda_function_event_invoke_config.this.function_name,
      aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination,
    ] == [aws_lambda_function.this.function_name, aws_sqs_queue.this.arn]
    error_message = "Failed asynchronous invocations must go to the dead-letter queue."
  }

  assert {
    condition = [
      aws_lambda_permission.this.principal, aws_lambda_permission.this.action, aws_lambda_permission.this.function_name,
      aws_lambda_permission.this.source_arn, aws_lambda_permission.this.source_account,
    ] == ["s3.amazonaws.com", "lambda:InvokeFunction", aws_lambda_function.this.function_name, "arn:aws:s3:::talks-audio", "123456789012"]
    error_message = "Only S3, for the source bucket in this account, may invoke the function."
  }

  assert {
    condition     = aws_s3_bucket_notification.this.bucket == "talks-audio"
    error_message = "The notification belongs to the source bucket."
  }

  assert {
    condition = {
      for rule in aws_s3_bucket_notification.this.lambda_function : rule.id => [rule.filter_suffix, rule.lambda_function_arn]
      } == {
      "talks-start-transcription-mp3" = [".mp3", aws_lambda_function.this.arn]
      "talks-start-transcription-MP3" = [".MP3", aws_lambda_function.this.arn]
    }
    error_message = "One notification rule per filter, each invoking the function."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-start-transcription:*"]
      },
      { Sid = "ReadSourceObjects", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::talks-audio/*"] },
      { Sid = "WriteOutputObjects", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::talks-transcripts/*"] },
      {
        Sid      = "SendFailedEventsToDeadLetterQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = ["arn:aws:sqs:eu-west-1:123456789012:talks-start-transcription-dlq"]
      },
    ]
    error_message = "Without extra statements the role may only log, read the source, write the output and use its queue."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com" && aws_iam_role_policy.this.role == aws_iam_role.this.id
    error_message = "The role is for Lambda and carries the policy."
  }
}

run "extra_statements_and_settings" {
  command = apply

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    policy_statements = {
      StartTranscriptionJobs = { actions = ["transcribe:StartTranscriptionJob"], resources = ["*"] }
    }
    runtime                               = "python3.12"
    architecture                          = "x86_64"
    reserved_concurrent_executions        = 3
    maximum_retry_attempts                = 1
    maximum_event_age_in_seconds          = 120
    dead_letter_message_retention_seconds = 86400
    log_retention_in_days                 = 7
  }

  assert {
    condition = one([for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement if statement.Sid == "StartTranscriptionJobs"]) == {
      Sid = "StartTranscriptionJobs", Effect = "Allow", Action = ["transcribe:StartTranscriptionJob"], Resource = ["*"]
    }
    error_message = "Extra statements are added as Allow statements with their sid."
  }

  assert {
    condition = [
      aws_lambda_function.this.runtime, aws_lambda_function.this.architectures[0], aws_lambda_function.this.reserved_concurrent_executions,
      aws_lambda_function_event_invoke_config.this.maximum_retry_attempts, aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds,
      aws_sqs_queue.this.message_retention_seconds, aws_cloudwatch_log_group.this.retention_in_days,
    ] == ["python3.12", "x86_64", 3, 1, 120, 86400, 7]
    error_message = "The settings do not reach their resources."
  }
}

run "a_customer_managed_key_tracing_and_conditions" {
  command = apply

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_group_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    tracing_mode          = "Active"
    policy_statements = {
      DecryptAudio = {
        actions    = ["kms:Decrypt"]
        resources  = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        conditions = { StringLike = { "kms:EncryptionContext:aws:s3:arn" = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"] } }
      }
      ListAudioKeys = { actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::talks-audio"] }
    }
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && output.configuration.dead_letter_queue.kms_master_key_id == var.kms_key_arn
    error_message = "With a key the dead-letter queue must use SSE-KMS with it."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.log_group_kms_key_arn && output.configuration.log_group_kms_key_id == var.log_group_kms_key_arn
    error_message = "The log group must be encrypted with the given key."
  }

  assert {
    condition = one([for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement if statement.Sid == "EncryptDeadLetterQueueMessages"]) == {
      Sid       = "EncryptDeadLetterQueueMessages"
      Effect    = "Allow"
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
      Condition = { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com"] } }
    }
    error_message = "The role may use the queue's key only through SQS in this Region, for sending to the queue."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && one([for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement.Action if statement.Sid == "WriteTraces"]) == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    error_message = "Active tracing needs the X-Ray write actions."
  }

  assert {
    condition = one([for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement.Condition if statement.Sid == "DecryptAudio"]) == {
      StringLike = { "kms:EncryptionContext:aws:s3:arn" = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"] }
    }
    error_message = "A statement's conditions must reach the policy unchanged."
  }

  assert {
    condition     = !contains(keys(one([for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement if statement.Sid == "ListAudioKeys"])), "Condition")
    error_message = "A statement without conditions must have no Condition block."
  }
}

run "event_rules_invoke_the_function_too" {
  command = apply

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    event_rules = {
      failed-jobs = {
        description   = "Failed Amazon Transcribe jobs."
        event_pattern = "{\"source\":[\"aws.transcribe\"],\"detail\":{\"TranscriptionJobStatus\":[\"FAILED\"]}}"
      }
    }
  }

  override_resource {
    target = aws_cloudwatch_event_rule.this
    values = { arn = "arn:aws:events:eu-west-1:123456789012:rule/talks-start-transcription-failed-jobs" }
  }

  assert {
    condition = [
      aws_cloudwatch_event_rule.this["failed-jobs"].name, aws_cloudwatch_event_rule.this["failed-jobs"].description,
      jsondecode(aws_cloudwatch_event_rule.this["failed-jobs"].event_pattern),
      ] == [
      "talks-start-transcription-failed-jobs", "Failed Amazon Transcribe jobs.",
      { source = ["aws.transcribe"], detail = { TranscriptionJobStatus = ["FAILED"] } },
    ]
    error_message = "The rule is <function_name>-<key> with the given description and pattern."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["failed-jobs"].rule == aws_cloudwatch_event_rule.this["failed-jobs"].name && aws_cloudwatch_event_target.this["failed-jobs"].arn == aws_lambda_function.this.arn
    error_message = "The rule's target is the function."
  }

  assert {
    condition = [
      aws_lambda_permission.events["failed-jobs"].principal, aws_lambda_permission.events["failed-jobs"].action,
      aws_lambda_permission.events["failed-jobs"].function_name, aws_lambda_permission.events["failed-jobs"].source_arn,
    ] == ["events.amazonaws.com", "lambda:InvokeFunction", aws_lambda_function.this.function_name, "arn:aws:events:eu-west-1:123456789012:rule/talks-start-transcription-failed-jobs"]
    error_message = "EventBridge may invoke the function only for this rule."
  }

  assert {
    condition     = aws_lambda_permission.this.principal == "s3.amazonaws.com" && output.event_rules["failed-jobs"].permission.source_arn == output.event_rules["failed-jobs"].arn
    error_message = "The S3 permission stays, and the output shows the rule with its permission."
  }
}

run "no_event_rules_by_default" {
  command = apply

  module {
    source = "./modules/s3-triggered-function"
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.this) == 0 && length(aws_cloudwatch_event_target.this) == 0 && length(aws_lambda_permission.events) == 0
    error_message = "Without event_rules the function has no EventBridge rule, target or permission."
  }
}

run "a_rule_name_over_64_characters_fails_the_plan" {
  command = plan

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    function_name = "a-function-name-that-is-long-enough-to-break-the-limit-xx"
    event_rules = {
      failed-transcripts = { description = "x", event_pattern = "{\"source\":[\"aws.transcribe\"]}" }
    }
  }

  expect_failures = [aws_cloudwatch_event_rule.this]
}

run "writing_into_the_source_bucket_fails_the_plan" {
  command = plan

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    output_bucket_arn = "arn:aws:s3:::talks-audio"
  }

  expect_failures = [aws_lambda_function.this]
}

run "out_of_range_settings_are_rejected" {
  command = plan

  module {
    source = "./modules/s3-triggered-function"
  }

  variables {
    maximum_retry_attempts                = 3
    maximum_event_age_in_seconds          = 59
    dead_letter_message_retention_seconds = 1209601
    runtime                               = "python3.9"
    log_retention_in_days                 = 10
    policy_statements                     = { "not-a-sid" = { actions = ["s3:GetObject"], resources = ["*"] } }
    notification_filters                  = {}
    kms_key_arn                           = "alias/talks"
    log_group_kms_key_arn                 = "1234abcd-12ab-34cd-56ef-1234567890ab"
    tracing_mode                          = "On"
    event_rules                           = { "Failed_Jobs" = { description = "x", event_pattern = "{}" } }
  }

  expect_failures = [
    var.maximum_retry_attempts,
    var.maximum_event_age_in_seconds,
    var.dead_letter_message_retention_seconds,
    var.runtime,
    var.log_retention_in_days,
    var.policy_statements,
    var.notification_filters,
    var.kms_key_arn,
    var.log_group_kms_key_arn,
    var.tracing_mode,
    var.event_rules,
  ]
}
