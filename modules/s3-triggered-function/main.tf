# A Lambda function invoked by object-created events of one bucket, writing into another bucket:
# role, log group, dead-letter queue, asynchronous-invocation settings and the bucket notification.

data "aws_caller_identity" "current" {}

locals {
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
      [
        for sid, statement in var.policy_statements : {
          Sid      = sid
          Effect   = "Allow"
          Action   = statement.actions
          Resource = statement.resources
        }
      ],
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
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_sqs_queue" "this" {
  name                      = "${var.function_name}-dlq"
  message_retention_seconds = var.dead_letter_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_lambda_function" "this" {
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

  # The log group exists (with its retention) before the first invocation could create it without one.
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

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
