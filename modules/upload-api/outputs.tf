output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "execution_arn" {
  description = "Execution ARN of the REST API (for IAM policies and resource policies)."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "deployment_id" {
  description = "ID of the deployment the stage serves."
  value       = aws_api_gateway_deployment.this.id
}

output "deployment_trigger" {
  description = "Hash of the API's resources, method, integration and responses; when it changes, Terraform replaces the deployment."
  value       = aws_api_gateway_deployment.this.triggers.redeployment
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "stage_url" {
  description = "Invoke URL of the stage, without a trailing slash."
  value       = trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")
}

output "upload_url_template" {
  description = "URL to PUT a file to: {folder}/{object} becomes the object key in the bucket."
  value       = "${trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")}/{folder}/{object}"
}

output "presign_url_template" {
  description = "URL to POST {\"size\": <bytes>, \"content_type\": \"audio/...\"} to for a presigned S3 PUT URL of key {folder}/{object} (files over 10 MB); null when presigned_upload_enabled = false."
  value       = var.presigned_upload_enabled ? "${trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")}/{folder}/{object}" : null
}

output "api_key_required" {
  description = "Whether the upload method requires an API key."
  value       = aws_api_gateway_method.this.api_key_required
}

output "api_key_id" {
  description = "ID of the API key; null when no key is required."
  value       = try(aws_api_gateway_api_key.this[0].id, null)
}

output "api_key_value" {
  description = "Value of the API key (send it as header x-api-key); null when no key is required."
  value       = try(aws_api_gateway_api_key.this[0].value, null)
  sensitive   = true
}

output "usage_plan_id" {
  description = "ID of the usage plan; null when no key is required."
  value       = try(aws_api_gateway_usage_plan.this[0].id, null)
}

output "usage_plan" {
  description = "Limits of the usage plan per API key: throttle (rate_limit, burst_limit) and quota (limit, period; null without a quota). Null when no key is required."
  value = try({
    throttle = {
      rate_limit  = one(aws_api_gateway_usage_plan.this[0].throttle_settings).rate_limit
      burst_limit = one(aws_api_gateway_usage_plan.this[0].throttle_settings).burst_limit
    }
    quota = try({
      limit  = one(aws_api_gateway_usage_plan.this[0].quota_settings).limit
      period = one(aws_api_gateway_usage_plan.this[0].quota_settings).period
    }, null)
  }, null)
}

output "stage_throttle" {
  description = "Throttle of every method of the stage, whoever calls: rate_limit and burst_limit."
  value = {
    rate_limit  = one(aws_api_gateway_method_settings.this.settings).throttling_rate_limit
    burst_limit = one(aws_api_gateway_method_settings.this.settings).throttling_burst_limit
  }
}

output "stage_arn" {
  description = "ARN of the stage (to associate a web ACL, for example)."
  value       = aws_api_gateway_stage.this.arn
}

output "web_acl_arn" {
  description = "ARN of the web ACL associated with the stage; null when none is."
  value       = try(aws_wafv2_web_acl_association.this[0].web_acl_arn, null)
}

output "binary_media_types" {
  description = "Content types the API passes through as bytes."
  value       = aws_api_gateway_rest_api.this.binary_media_types
}

output "integration_uri" {
  description = "The S3 PutObject target of the integration; it names the bucket and maps the path to the key."
  value       = aws_api_gateway_integration.this.uri
}

output "integration_request_parameters" {
  description = "How the request's path and headers map onto the S3 request."
  value       = aws_api_gateway_integration.this.request_parameters
}

output "role_arn" {
  description = "ARN of the role API Gateway uses to put objects."
  value       = aws_iam_role.this.arn
}

output "role_policy_json" {
  description = "The inline policy of that role."
  value       = aws_iam_role_policy.this.policy
}

output "access_log_group_name" {
  description = "Name of the access log group; null when access logging is off."
  value       = try(aws_cloudwatch_log_group.access[0].name, null)
}

output "access_log_group_kms_key_id" {
  description = "KMS key of the access log group; null when access logging is off or CloudWatch Logs' own encryption is used."
  value       = try(aws_cloudwatch_log_group.access[0].kms_key_id, null)
}

output "xray_tracing_enabled" {
  description = "Whether the stage traces requests with AWS X-Ray."
  value       = aws_api_gateway_stage.this.xray_tracing_enabled
}

output "presign_function_name" {
  description = "Name of the presign function; null when presigned_upload_enabled = false."
  value       = try(aws_lambda_function.presign[0].function_name, null)
}

output "presign_function_arn" {
  description = "ARN of the presign function; null when presigned_upload_enabled = false."
  value       = try(aws_lambda_function.presign[0].arn, null)
}

output "presign_role_policy_json" {
  description = "The inline policy of the presign function's role (its URLs can do what it may do); null when presigned_upload_enabled = false."
  value       = try(aws_iam_role_policy.presign[0].policy, null)
}

output "presign_log_group_name" {
  description = "Name of the presign function's log group; null when presigned_upload_enabled = false."
  value       = try(aws_cloudwatch_log_group.presign[0].name, null)
}

output "presign_route" {
  description = "The presign route as deployed: method, whether it needs the API key, integration type and target, and the source ARN the function's permission allows. Null when presigned_upload_enabled = false."
  value = try({
    http_method      = aws_api_gateway_method.presign[0].http_method
    resource_id      = aws_api_gateway_method.presign[0].resource_id
    api_key_required = aws_api_gateway_method.presign[0].api_key_required
    integration_type = aws_api_gateway_integration.presign[0].type
    integration_uri  = aws_api_gateway_integration.presign[0].uri
    source_arn       = aws_lambda_permission.presign[0].source_arn
  }, null)
}

output "presign_function_configuration" {
  description = "The presign function's deployed settings: handler, runtime, architecture, memory, timeout, tracing, environment, and its log group's retention and key. Null when presigned_upload_enabled = false."
  value = try({
    handler               = aws_lambda_function.presign[0].handler
    runtime               = aws_lambda_function.presign[0].runtime
    architectures         = aws_lambda_function.presign[0].architectures
    memory_size           = aws_lambda_function.presign[0].memory_size
    timeout               = aws_lambda_function.presign[0].timeout
    tracing_mode          = one(aws_lambda_function.presign[0].tracing_config).mode
    environment           = one(aws_lambda_function.presign[0].environment).variables
    log_retention_in_days = aws_cloudwatch_log_group.presign[0].retention_in_days
    log_group_kms_key_id  = aws_cloudwatch_log_group.presign[0].kms_key_id
  }, null)
}

output "results_url_template" {
  description = "URL to GET (with the API key) for the status and presigned result links of the upload at {folder}/{object}; add ?format=html for its player page. Null when results_api_enabled = false."
  value       = var.results_api_enabled ? "${trimsuffix(aws_api_gateway_stage.this.invoke_url, "/")}/{folder}/{object}" : null
}

output "results_function_name" {
  description = "Name of the results function behind GET /{folder}/{object}; null when results_api_enabled = false."
  value       = try(aws_lambda_function.results[0].function_name, null)
}

output "results_function_role_arn" {
  description = "ARN of the results function's read-only role; null when results_api_enabled = false."
  value       = try(aws_iam_role.results[0].arn, null)
}

output "results_role_policy_json" {
  description = "The results function role's inline policy (JSON): what it may read; null when results_api_enabled = false."
  value       = try(aws_iam_role_policy.results[0].policy, null)
}

output "results_log_group_name" {
  description = "Log group of the results function; null when results_api_enabled = false."
  value       = try(aws_cloudwatch_log_group.results[0].name, null)
}
