# A Lambda function invoked by object-created events of one bucket, writing into another bucket:
# role, log group, dead-letter queue, asynchronous-invocation settings and the bucket notification; optionally
# EventBridge rules that invoke it too.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  # IAM takes a condition block only where there is one: an empty "Condition" would be rejected.
  extra_statements = [
    for sid, statement in var.policy_statements : merge(
      {
        Sid      = sid
        Effect   = "Allow"
        Action   = statement.actions
        Resource = statement.resources
      },
      { for key, condition in { Condition = statement.conditions } : key => condition if length(condition) > 0 },
    )
  ]

  role_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
        },
        {
          Sid      = "ReadSourceObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${var.source_bucket_arn}/*"]
        },
        {
          Sid      = "WriteOutputObjects"
          Effect   = "Allow"
          Action   = ["s3:PutObject"]
          Resource = ["${var.output_bucket_arn}/*"]
        },
        {
          Sid      = "SendFailedEventsToDeadLetterQueue"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = [aws_sqs_queue.this.arn]
        },
      ],
      # Lambda sends a failed event with the function's role; SQS then encrypts it with the queue's key on the
      # sender's behalf, which takes kms:GenerateDataKey and kms:Decrypt. Only through SQS: the role cannot use the
      # key directly, and sqs:SendMessage above limits it to this queue.
      var.kms_key_arn == null ? [] : [
        {
          Sid      = "EncryptDeadLetterQueueMessages"
          Effect   = "Allow"
          Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource = [var.kms_key_arn]
          Condition = {
            StringEquals = { "kms:ViaService" = ["sqs.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"] }
          }
        },
      ],
      # X-Ray's write actions support no resource-level permissions, hence "*"; only granted when tracing is on.
      var.tracing_mode == "Active" ? [
        {
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = ["*"]
        },
      ] : [],
      local.extra_statements,
    )
  }
}

resource "aws_iam_role" "this" {
  name = var.function_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.function_name
  role   = aws_iam_role.this.id
  policy = jsonencode(local.role_policy)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is log_retention_in_days (default 30 days): the logs serve debugging of a pipeline whose results are in S3; raise it where a policy asks for a year.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  # CloudWatch Logs encrypts every log group; a customer managed key needs a key policy that lets
  # logs.<region>.amazonaws.com use it for this log group.
  kms_key_id = var.log_group_kms_key_arn
  tags       = var.tags
}

resource "aws_sqs_queue" "this" {
  name                      = "${var.function_name}-dlq"
  message_retention_seconds = var.dead_letter_message_retention_seconds
  # SSE-KMS with the customer managed key when one is given, SQS-managed SSE otherwise. The two settings exclude each
  # other ("conflicts with kms_master_key_id"), hence null rather than false.
  kms_master_key_id       = var.kms_key_arn
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  tags                    = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to an SQS on-failure destination (aws_lambda_function_event_invoke_config below), which supersedes dead_letter_config and also records the error; both would send every failure twice.
  #checkov:skip=CKV_AWS_117:The function only calls AWS APIs (S3, Amazon Transcribe, Amazon Bedrock) over TLS with IAM; a VPC would add NAT or interface endpoints and protect nothing.
  #checkov:skip=CKV_AWS_272:Code signing needs signed packages from S3 (AWS Signer); the zip is built during plan by scripts/package.py and pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds bucket names and settings, no secrets; Lambda encrypts it at rest with an AWS managed key.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is opt-in (tracing_mode = "Active"): traces are billed, and the role then needs xray:PutTraceSegments on "*".
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.filename
  source_code_hash = var.source_code_hash
  memory_size      = var.memory_size
  timeout          = var.timeout

  reserved_concurrent_executions = var.reserved_concurrent_executions

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []

    content {
      variables = environment.value
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  # The log group exists (with its retention) before the first invocation could create it without one.
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The function, and so its bucket notification and event rules, exists only once its role may do its work: the
  # first events after an apply would otherwise race IAM and fail with "AccessDenied ... is not authorized to
  # perform: s3:GetObject" (or transcribe:StartTranscriptionJob, bedrock:InvokeModel), and Lambda could not yet
  # write the function's logs.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = var.source_bucket_arn != var.output_bucket_arn
      error_message = "The output bucket must differ from the source bucket: every object the function writes would invoke it again."
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.this.arn
    }
  }

  # Lambda checks the role when the destination is set: "InvalidParameterValueException: The function's
  # execution role does not have permissions to call SendMessage on arn:aws:sqs:..."
  depends_on = [aws_iam_role_policy.this]
}

resource "aws_lambda_permission" "this" {
  statement_id   = "AllowInvokeFromSourceBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = var.source_bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.event_rules

  name          = "${var.function_name}-${each.key}"
  description   = each.value.description
  event_pattern = each.value.event_pattern
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = length("${var.function_name}-${each.key}") <= 64
      error_message = "EventBridge rule names are at most 64 characters: shorten the function name or the event_rules key."
    }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.event_rules

  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "function"
  arn       = aws_lambda_function.this.arn
}

# EventBridge invokes the function with this resource-based permission, for this rule only.
resource "aws_lambda_permission" "events" {
  for_each = var.event_rules

  statement_id  = "AllowInvokeFromEventBridgeRule-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.key].arn
}

# One notification resource per bucket: a second one for the same bucket would silently replace this one.
resource "aws_s3_bucket_notification" "this" {
  bucket = var.source_bucket_name

  dynamic "lambda_function" {
    for_each = var.notification_filters

    content {
      id                  = "${var.function_name}-${lambda_function.key}"
      lambda_function_arn = aws_lambda_function.this.arn
      events              = var.notification_events
      filter_prefix       = lambda_function.value.filter_prefix
      filter_suffix       = lambda_function.value.filter_suffix
    }
  }

  # S3 checks that it may invoke the function when the notification is saved, and fails without the permission:
  # "InvalidArgument: Unable to validate the following destination configurations"
  depends_on = [aws_lambda_permission.this]
}
