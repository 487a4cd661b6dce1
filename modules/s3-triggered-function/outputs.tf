output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the function's IAM role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "role_policy_json" {
  description = "The inline policy of the function's role: everything the function may do."
  value       = aws_iam_role_policy.this.policy
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the SQS queue that receives events the function failed to process."
  value       = aws_sqs_queue.this.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.this.url
}

output "environment_variables" {
  description = "Environment variables of the function."
  value       = var.environment_variables
}

output "configuration" {
  description = "The deployed settings: handler, runtime, architecture, package, memory, timeout, concurrency, tracing, log retention and key, the retries and failure destination of asynchronous invocations, and the dead-letter queue's retention and encryption."
  value = {
    handler                        = aws_lambda_function.this.handler
    runtime                        = aws_lambda_function.this.runtime
    architectures                  = aws_lambda_function.this.architectures
    filename                       = aws_lambda_function.this.filename
    source_code_hash               = aws_lambda_function.this.source_code_hash
    memory_size                    = aws_lambda_function.this.memory_size
    timeout                        = aws_lambda_function.this.timeout
    reserved_concurrent_executions = aws_lambda_function.this.reserved_concurrent_executions
    tracing_mode                   = one(aws_lambda_function.this.tracing_config).mode
    log_retention_in_days          = aws_cloudwatch_log_group.this.retention_in_days
    log_group_kms_key_id           = aws_cloudwatch_log_group.this.kms_key_id
    maximum_retry_attempts         = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts
    maximum_event_age_in_seconds   = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds
    on_failure_destination         = one(one(aws_lambda_function_event_invoke_config.this.destination_config).on_failure).destination
    dead_letter_queue = {
      message_retention_seconds = aws_sqs_queue.this.message_retention_seconds
      kms_master_key_id         = aws_sqs_queue.this.kms_master_key_id
      sqs_managed_sse_enabled   = aws_sqs_queue.this.sqs_managed_sse_enabled
    }
  }
}

output "s3_notification" {
  description = "The notification of the source bucket: the bucket and its rules (events, prefix and suffix filters, function)."
  value = {
    bucket = aws_s3_bucket_notification.this.bucket
    rules  = aws_s3_bucket_notification.this.lambda_function
  }
}

output "event_rules" {
  description = "The EventBridge rules that invoke the function, by key: name, ARN, event pattern, target and the permission that lets EventBridge invoke it."
  value = {
    for key, rule in aws_cloudwatch_event_rule.this : key => {
      name          = rule.name
      arn           = rule.arn
      event_pattern = rule.event_pattern
      target_arn    = aws_cloudwatch_event_target.this[key].arn
      permission = {
        principal  = aws_lambda_permission.events[key].principal
        action     = aws_lambda_permission.events[key].action
        source_arn = aws_lambda_permission.events[key].source_arn
        function   = aws_lambda_permission.events[key].function_name
      }
    }
  }
}
