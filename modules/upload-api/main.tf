# REST API that stores the request body in one S3 bucket: PUT /{folder}/{object} -> s3://<bucket>/{folder}/{object}.
# API Gateway calls S3 PutObject itself (AWS-service integration) with a role that may only do that.
# Files over API Gateway's 10 MB body limit: POST /{folder}/{object} -> a Lambda function answers with a presigned S3
# PUT URL for the same key (optional, presigned_upload_enabled). GET /{folder}/{object}: a read-only Lambda function
# answers with the upload's status and presigned GET URLs of its results (optional, results_api_enabled).

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  presigned_upload = var.presigned_upload_enabled ? 1 : 0
  presign_function = coalesce(var.presign_function_name, "${var.name}-presign")
  results_api      = var.results_api_enabled ? 1 : 0
  results_function = coalesce(var.results_function_name, "${var.name}-results")

  # Writing into the bucket: the integration's role puts objects, and the presign function's role signs URLs that S3
  # then checks against that role's permissions. With SSE-KMS, S3 asks KMS for a data key as the writer. Only through
  # S3 and only for this bucket (with a bucket key the encryption context is the bucket ARN, without one the object ARN).
  put_object_statements = concat(
    [
      {
        Sid      = "PutUploadedObjects"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["${var.bucket_arn}/*"]
      },
    ],
    var.bucket_kms_key_arn == null ? [] : [
      {
        Sid      = "EncryptUploadedObjects"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey"]
        Resource = [var.bucket_kms_key_arn]
        Condition = {
          StringEquals = { "kms:ViaService" = ["s3.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"] }
          StringLike   = { "kms:EncryptionContext:aws:s3:arn" = [var.bucket_arn, "${var.bucket_arn}/*"] }
        }
      },
    ],
  )

  # S3's status code -> the status the client sees. Integration responses are chosen by a regular expression on
  # S3's status; the one without a pattern (500) takes everything the others do not match.
  responses = {
    "200" = { selection_pattern = "2\\d{2}" }
    "400" = { selection_pattern = "4(0[0-25-9]|[1-9]\\d)" } # every 4xx but 403 and 404
    "403" = { selection_pattern = "403" }
    "404" = { selection_pattern = "404" }
    "500" = { selection_pattern = null }
  }

  access_log_format = coalesce(var.access_log_format, jsonencode({
    requestId         = "$context.requestId"
    requestTime       = "$context.requestTime"
    sourceIp          = "$context.identity.sourceIp"
    apiKeyId          = "$context.identity.apiKeyId"
    httpMethod        = "$context.httpMethod"
    path              = "$context.path"
    status            = "$context.status"
    integrationStatus = "$context.integration.status"
    responseLength    = "$context.responseLength"
    errorMessage      = "$context.error.message"
  }))
}

resource "aws_api_gateway_rest_api" "this" {
  name               = var.name
  description        = var.description
  binary_media_types = var.binary_media_types

  endpoint_configuration {
    types = [var.endpoint_type]
  }

  tags = var.tags

  # Should the API ever be replaced, the old one keeps serving until the new one exists.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "folder" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "{folder}"
}

resource "aws_api_gateway_resource" "object" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.folder.id
  path_part   = "{object}"
}

resource "aws_api_gateway_method" "this" {
  #checkov:skip=CKV2_AWS_53:Nothing to validate: the body is the uploaded file (no JSON model), and the required parameters are the path segments, without which the route does not match.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.object.id
  http_method      = "PUT"
  authorization    = "NONE"
  api_key_required = var.api_key_required

  request_parameters = {
    "method.request.path.folder"         = true
    "method.request.path.object"         = true
    "method.request.header.Content-Type" = false
  }
}

resource "aws_iam_role" "this" {
  name = "${var.name}-s3-put"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "apigateway.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "${var.name}-s3-put"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.put_object_statements
  })
}

resource "aws_api_gateway_integration" "this" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this.resource_id
  http_method             = aws_api_gateway_method.this.http_method
  type                    = "AWS"
  integration_http_method = "PUT"
  # The bucket is part of the URI, not a parameter: a caller can only choose the key inside it.
  uri                  = "arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.region}:s3:path/${var.bucket_name}/{folder}/{object}"
  credentials          = aws_iam_role.this.arn
  passthrough_behavior = "WHEN_NO_MATCH"
  timeout_milliseconds = var.integration_timeout_milliseconds

  request_parameters = {
    "integration.request.path.folder"         = "method.request.path.folder"
    "integration.request.path.object"         = "method.request.path.object"
    "integration.request.header.Content-Type" = "method.request.header.Content-Type"
  }
}

resource "aws_api_gateway_method_response" "this" {
  for_each = local.responses

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_method.this.resource_id
  http_method = aws_api_gateway_method.this.http_method
  status_code = each.key

  response_parameters = merge(
    { "method.response.header.Content-Type" = false },
    each.key == "200" ? { "method.response.header.ETag" = false } : {},
  )
}

resource "aws_api_gateway_integration_response" "this" {
  for_each = local.responses

  rest_api_id       = aws_api_gateway_rest_api.this.id
  resource_id       = aws_api_gateway_integration.this.resource_id
  http_method       = aws_api_gateway_integration.this.http_method
  status_code       = aws_api_gateway_method_response.this[each.key].status_code
  selection_pattern = each.value.selection_pattern

  # S3's body (an XML error document on failure) passes through unchanged, with its Content-Type.
  response_parameters = merge(
    { "method.response.header.Content-Type" = "integration.response.header.Content-Type" },
    each.key == "200" ? { "method.response.header.ETag" = "integration.response.header.ETag" } : {},
  )
}

################################################################################
# POST /{folder}/{object}: a presigned S3 PUT URL for files over the 10 MB body limit
#
# The same resource as the PUT, so the URL is for exactly the key the PUT would write, and no folder name can collide
# with the route: a static resource such as /uploads next to /{folder} would take precedence over the path variable
# and capture every upload into a folder of that name.
################################################################################

resource "aws_api_gateway_method" "presign" {
  count = local.presigned_upload

  #checkov:skip=CKV2_AWS_53:The function checks the JSON body and answers 400 naming the field at fault (a model would answer a generic "Invalid request body"); the path segments are required parameters.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.object.id
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = var.api_key_required

  request_parameters = {
    "method.request.path.folder" = true
    "method.request.path.object" = true
  }
}

resource "aws_api_gateway_integration" "presign" {
  count = local.presigned_upload

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.presign[0].resource_id
  http_method             = aws_api_gateway_method.presign[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST" # Lambda's Invoke API, whatever the method's own verb
  uri                     = aws_lambda_function.presign[0].invoke_arn
  timeout_milliseconds    = var.integration_timeout_milliseconds
}

# API Gateway invokes the function with the ARN of the request (stage, verb, path as sent), so the path variables are
# wildcards: only this API's stage may invoke it, only with POST, only on a two-segment path.
resource "aws_lambda_permission" "presign" {
  count = local.presigned_upload

  statement_id  = "AllowInvokeFromUploadApiPost"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.presign[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/${aws_api_gateway_method.presign[0].http_method}/*/*"
}

resource "aws_iam_role" "presign" {
  count = local.presigned_upload

  name = local.presign_function
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

# A presigned URL carries the signer's authority: S3 accepts the upload only if this role may put the object, so the
# role needs s3:PutObject on the bucket's objects, and nothing else of S3.
resource "aws_iam_role_policy" "presign" {
  count = local.presigned_upload

  name = local.presign_function
  role = aws_iam_role.presign[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.presign[0].arn}:*"]
        },
      ],
      local.put_object_statements,
      # X-Ray's write actions support no resource-level permissions, hence "*"; only granted when tracing is on.
      var.xray_tracing_enabled ? [
        {
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = ["*"]
        },
      ] : [],
    )
  })
}

resource "aws_cloudwatch_log_group" "presign" {
  count = local.presigned_upload

  #checkov:skip=CKV_AWS_338:Retention is log_retention_in_days (default 30 days): the logs serve debugging; raise it where a policy asks for a year.
  name              = "/aws/lambda/${local.presign_function}"
  retention_in_days = var.log_retention_in_days
  # A customer managed key needs a key policy that lets logs.<region>.amazonaws.com use it for this log group.
  kms_key_id = var.log_group_kms_key_arn
  tags       = var.tags
}

resource "aws_lambda_function" "presign" {
  count = local.presigned_upload

  #checkov:skip=CKV_AWS_116:API Gateway invokes the function synchronously and hands any error to the caller, who asks again; a dead-letter queue only receives failed asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function only signs a URL, locally, with its role's credentials; a VPC would add NAT or interface endpoints and protect nothing.
  #checkov:skip=CKV_AWS_272:Code signing needs signed packages from S3 (AWS Signer); the zip is built during plan by scripts/package.py and pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds the bucket name and settings, no secrets; Lambda encrypts it at rest with an AWS managed key.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is opt-in (xray_tracing_enabled): traces are billed, and the role then needs xray:PutTraceSegments on "*".
  function_name    = local.presign_function
  description      = "Answers POST /{folder}/{object} with a presigned S3 PUT URL for an upload over the API's 10 MB limit."
  role             = aws_iam_role.presign[0].arn
  handler          = var.presign_function_handler
  runtime          = var.presign_function_runtime
  architectures    = [var.presign_function_architecture]
  filename         = var.presign_function_filename
  source_code_hash = var.presign_function_source_code_hash
  memory_size      = var.presign_function_memory_size
  timeout          = var.presign_function_timeout

  # The stage and usage plan throttle the route; -1 leaves the function's concurrency unreserved.
  reserved_concurrent_executions = var.presign_function_reserved_concurrent_executions

  environment {
    variables = {
      AUDIO_BUCKET       = var.bucket_name
      URL_EXPIRY_SECONDS = tostring(var.presigned_url_expiry_seconds)
      LOG_LEVEL          = var.presign_function_log_level
    }
  }

  tracing_config {
    mode = var.xray_tracing_enabled ? "Active" : "PassThrough"
  }

  # The log group exists (with its retention) before the first invocation could create it without one.
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.presign[0].name
  }

  tags = var.tags

  # A URL signed before the role may put objects is refused by S3 when used: "AccessDenied ... is not authorized to
  # perform: s3:PutObject"; the function exists (and the route works) only once the role's policy does.
  depends_on = [aws_iam_role_policy.presign]

  lifecycle {
    precondition {
      condition     = var.presign_function_filename != null && var.presign_function_source_code_hash != null
      error_message = "presigned_upload_enabled needs the function's package: set presign_function_filename and presign_function_source_code_hash (scripts/package.py builds presign_upload.zip), or set presigned_upload_enabled = false."
    }
  }
}

################################################################################
# GET /{folder}/{object}: the upload's status and presigned GET URLs of its results (or, ?format=html, its player)
#
# The same resource as PUT and POST, so the same API key, usage plan and path rules apply. The function reads only:
# its role may get objects under the known prefixes of the three buckets and nothing else, and the URLs it signs
# carry no more than that.
################################################################################

locals {
  results_get_resources = var.results_buckets == null ? [] : concat(
    ["${var.bucket_arn}/*"],
    [for prefix in var.results_buckets.transcript_prefixes : "${var.results_buckets.transcript_bucket_arn}/${prefix}*"],
    ["${var.results_buckets.image_bucket_arn}/*"],
  )
  results_bucket_arns = var.results_buckets == null ? [var.bucket_arn] : [
    var.bucket_arn, var.results_buckets.transcript_bucket_arn, var.results_buckets.image_bucket_arn,
  ]
}

resource "aws_api_gateway_method" "results" {
  count = local.results_api

  #checkov:skip=CKV2_AWS_53:A GET has no body; the function checks the path and the format parameter and answers 400 naming the one at fault.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.object.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = var.api_key_required

  request_parameters = {
    "method.request.path.folder"        = true
    "method.request.path.object"        = true
    "method.request.querystring.format" = false
  }
}

resource "aws_api_gateway_integration" "results" {
  count = local.results_api

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.results[0].resource_id
  http_method             = aws_api_gateway_method.results[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST" # Lambda's Invoke API, whatever the method's own verb
  uri                     = aws_lambda_function.results[0].invoke_arn
  timeout_milliseconds    = var.integration_timeout_milliseconds
}

resource "aws_lambda_permission" "results" {
  count = local.results_api

  statement_id  = "AllowInvokeFromUploadApiGet"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.results[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/${aws_api_gateway_method.results[0].http_method}/*/*"
}

resource "aws_iam_role" "results" {
  count = local.results_api

  name = local.results_function
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

# s3:GetObject only, on the uploads, the transcript bucket's transcripts/, jobs/ and errors/, and the image bucket: no
# s3:ListBucket, so S3 answers a missing key with 403, which the function reads as "not there".
resource "aws_iam_role_policy" "results" {
  count = local.results_api

  name = local.results_function
  role = aws_iam_role.results[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.results[0].arn}:*"]
        },
        {
          Sid      = "ReadPipelineObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = local.results_get_resources
        },
      ],
      var.bucket_kms_key_arn == null ? [] : [
        {
          Sid      = "DecryptPipelineObjects"
          Effect   = "Allow"
          Action   = ["kms:Decrypt"]
          Resource = [var.bucket_kms_key_arn]
          Condition = {
            StringEquals = { "kms:ViaService" = ["s3.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"] }
            StringLike   = { "kms:EncryptionContext:aws:s3:arn" = flatten([for arn in local.results_bucket_arns : [arn, "${arn}/*"]]) }
          }
        },
      ],
      var.xray_tracing_enabled ? [
        {
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = ["*"]
        },
      ] : [],
    )
  })
}

resource "aws_cloudwatch_log_group" "results" {
  count = local.results_api

  #checkov:skip=CKV_AWS_338:Retention is log_retention_in_days (default 30 days): the logs serve debugging; raise it where a policy asks for a year.
  name              = "/aws/lambda/${local.results_function}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_group_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "results" {
  count = local.results_api

  #checkov:skip=CKV_AWS_116:API Gateway invokes the function synchronously and hands any error to the caller, who asks again; a dead-letter queue only receives failed asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function reads S3 and signs URLs with its role; a VPC would add NAT or interface endpoints and protect nothing.
  #checkov:skip=CKV_AWS_272:Code signing needs signed packages from S3 (AWS Signer); the zip is built during plan by scripts/package.py and pinned by source_code_hash.
  #checkov:skip=CKV_AWS_173:The environment holds bucket names and settings, no secrets; Lambda encrypts it at rest with an AWS managed key.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is opt-in (xray_tracing_enabled): traces are billed, and the role then needs xray:PutTraceSegments on "*".
  #checkov:skip=CKV_AWS_115:The stage and usage plan throttle the route; -1 leaves the function's concurrency unreserved, as for the presign function.
  function_name    = local.results_function
  description      = "Answers GET /{folder}/{object} with the upload's status and presigned GET URLs of its results, or its player page."
  role             = aws_iam_role.results[0].arn
  handler          = var.results_function_handler
  runtime          = var.presign_function_runtime
  architectures    = [var.presign_function_architecture]
  filename         = var.results_function_filename
  source_code_hash = var.results_function_source_code_hash
  memory_size      = var.results_function_memory_size
  timeout          = var.results_function_timeout

  environment {
    variables = {
      AUDIO_BUCKET       = var.bucket_name
      TRANSCRIPT_BUCKET  = try(var.results_buckets.transcript_bucket_name, "")
      IMAGE_BUCKET       = try(var.results_buckets.image_bucket_name, "")
      URL_EXPIRY_SECONDS = tostring(var.results_url_expiry_seconds)
      LOG_LEVEL          = var.presign_function_log_level
    }
  }

  tracing_config {
    mode = var.xray_tracing_enabled ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.results[0].name
  }

  tags = var.tags

  # The first GET after an apply must not meet a role that may not read yet ("AccessDenied ... is not authorized to
  # perform: s3:GetObject"), which the function would report as a missing object.
  depends_on = [aws_iam_role_policy.results]

  lifecycle {
    precondition {
      condition     = var.results_function_filename != null && var.results_function_source_code_hash != null
      error_message = "results_api_enabled needs the function's package: set results_function_filename and results_function_source_code_hash (scripts/package.py builds read_results.zip), or set results_api_enabled = false."
    }
    precondition {
      condition     = var.results_buckets != null
      error_message = "results_api_enabled needs results_buckets (the transcript and image buckets the pipeline writes to), or set results_api_enabled = false."
    }
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A deployment is a snapshot: take a new one whenever anything it captures changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_rest_api.this.binary_media_types,
      aws_api_gateway_resource.folder,
      aws_api_gateway_resource.object,
      aws_api_gateway_method.this,
      aws_api_gateway_integration.this,
      aws_api_gateway_method_response.this,
      aws_api_gateway_integration_response.this,
      aws_api_gateway_method.presign,
      aws_api_gateway_integration.presign,
      aws_api_gateway_method.results,
      aws_api_gateway_integration.results,
    ]))
  }

  # The stage moves to the new deployment before the old one is deleted.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  count = var.access_log_enabled ? 1 : 0

  #checkov:skip=CKV_AWS_338:Retention is log_retention_in_days (default 30 days); raise it where a policy asks for a year.
  name              = "/aws/apigateway/${var.name}/${var.stage_name}/access"
  retention_in_days = var.log_retention_in_days
  # A customer managed key needs a key policy that lets logs.<region>.amazonaws.com use it for this log group.
  kms_key_id = var.log_group_kms_key_arn
  tags       = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:A cache serves repeated GET responses; this API takes PUT uploads and POST requests for one-time upload URLs, neither cacheable, and a cache cluster is billed by the hour.
  #checkov:skip=CKV2_AWS_51:Client certificates let an HTTP backend authenticate API Gateway; the backends here are S3 and Lambda, called with IAM.
  #checkov:skip=CKV2_AWS_4:Execution logs need the account-wide API Gateway CloudWatch role and go to a log group API Gateway creates without retention or key; the stage writes access logs instead (access_log_enabled).
  #checkov:skip=CKV2_AWS_29:A web ACL is optional (web_acl_arn): the API key, the usage plan's throttle and quota and the stage throttle guard the API by default, and AWS WAF is billed per web ACL and rule.
  #checkov:skip=CKV2_AWS_77:The web ACL, when there is one, is the caller's (web_acl_arn); its rules, such as the Log4j managed rule group, are set where it is defined.
  #checkov:skip=CKV_AWS_73:X-Ray tracing is opt-in (xray_tracing_enabled): traces are billed.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing_enabled

  dynamic "access_log_settings" {
    for_each = aws_cloudwatch_log_group.access

    content {
      destination_arn = access_log_settings.value.arn
      format          = local.access_log_format
    }
  }

  tags = var.tags

  # Logging needs the account's CloudWatch role first: "BadRequestException: CloudWatch Logs role ARN must be set
  # in account settings to enable logging"
  depends_on = [aws_api_gateway_account.this]
}

# Stage-wide throttling; it also protects the bucket when no API key is required.
resource "aws_api_gateway_method_settings" "this" {
  #checkov:skip=CKV_AWS_225:A cache serves repeated GET responses; this API takes PUT uploads and POST requests for one-time upload URLs, neither cacheable, and a cache cluster is billed by the hour.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl_arn == null ? 0 : 1

  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = var.web_acl_arn
}

resource "aws_api_gateway_api_key" "this" {
  count = var.api_key_required ? 1 : 0

  name = var.name
  tags = var.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_key_required ? 1 : 0

  name = var.name

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate_limit
    burst_limit = var.throttle_burst_limit
  }

  dynamic "quota_settings" {
    for_each = var.quota_limit == null ? [] : [var.quota_limit]

    content {
      limit  = quota_settings.value
      period = var.quota_period
    }
  }

  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = var.api_key_required ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

# Optional, off by default: the CloudWatch role of API Gateway is a single setting per account and Region, shared
# by all APIs there. A reusable module must not take it over unless asked to.
resource "aws_iam_role" "cloudwatch" {
  count = var.create_account_cloudwatch_role ? 1 : 0

  name = "${var.name}-apigateway-cloudwatch"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "apigateway.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  count = var.create_account_cloudwatch_role ? 1 : 0

  role       = aws_iam_role.cloudwatch[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.create_account_cloudwatch_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn

  # API Gateway checks the role can write logs: "BadRequestException: The role ARN does not have required
  # permissions set to API Gateway"
  depends_on = [aws_iam_role_policy_attachment.cloudwatch]
}
