# modules/upload-api on its own: PUT /{folder}/{object} -> S3 PutObject into one fixed bucket, and
# POST /{folder}/{object} -> the presign function (Lambda proxy) -> a presigned S3 PUT URL for the same key, and
# GET /{folder}/{object} -> the read-only results function (Lambda proxy) -> status and presigned GET URLs.

mock_provider "aws" {
  source = "./tests/terraform/mocks/aws"
}

variables {
  name                              = "talks-upload"
  bucket_name                       = "talks-audio"
  bucket_arn                        = "arn:aws:s3:::talks-audio"
  presign_function_filename         = "build/lambda/presign_upload.zip"
  presign_function_source_code_hash = "cHJlc2lnbi16aXAtaGFzaA=="
  results_function_filename         = "build/lambda/read_results.zip"
  results_function_source_code_hash = "cmVzdWx0cy16aXAtaGFzaA=="
  results_buckets = {
    transcript_bucket_name = "talks-transcripts"
    transcript_bucket_arn  = "arn:aws:s3:::talks-transcripts"
    transcript_prefixes    = ["transcripts/", "jobs/", "errors/"]
    image_bucket_name      = "talks-images"
    image_bucket_arn       = "arn:aws:s3:::talks-images"
  }
}

override_resource {
  target = aws_api_gateway_stage.this
  values = { invoke_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1" }
}

# Computed by AWS; the mocks get the real forms so that ARNs built from them can be compared.
override_resource {
  target = aws_api_gateway_rest_api.this
  values = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5" }
}

override_resource {
  target = aws_cloudwatch_log_group.presign
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-upload-presign" }
}

override_resource {
  target = aws_cloudwatch_log_group.results
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-upload-results" }
}

run "put_folder_object_into_the_fixed_bucket" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  assert {
    condition     = aws_api_gateway_resource.folder.path_part == "{folder}" && aws_api_gateway_resource.object.path_part == "{object}" && aws_api_gateway_resource.object.parent_id == aws_api_gateway_resource.folder.id && aws_api_gateway_resource.folder.parent_id == aws_api_gateway_rest_api.this.root_resource_id
    error_message = "The API's only path must be /{folder}/{object}."
  }

  assert {
    condition     = aws_api_gateway_method.this.http_method == "PUT" && aws_api_gateway_method.this.resource_id == aws_api_gateway_resource.object.id && aws_api_gateway_method.this.api_key_required
    error_message = "PUT on /{folder}/{object}, with an API key by default."
  }

  assert {
    condition = aws_api_gateway_method.this.request_parameters == tomap({
      "method.request.path.folder"         = true
      "method.request.path.object"         = true
      "method.request.header.Content-Type" = false
    })
    error_message = "folder and object are required path parameters; Content-Type is an optional header."
  }

  assert {
    condition = [
      aws_api_gateway_integration.this.type, aws_api_gateway_integration.this.integration_http_method,
      aws_api_gateway_integration.this.uri, aws_api_gateway_integration.this.credentials,
    ] == ["AWS", "PUT", "arn:aws:apigateway:eu-west-1:s3:path/talks-audio/{folder}/{object}", aws_iam_role.this.arn]
    error_message = "An AWS integration that PUTs into the fixed bucket at key {folder}/{object}, as the API's role."
  }

  assert {
    condition     = !strcontains(jsonencode(aws_api_gateway_integration.this.request_parameters), "bucket")
    error_message = "No request value may choose the bucket."
  }

  assert {
    condition     = aws_api_gateway_rest_api.this.binary_media_types == tolist(["*/*"])
    error_message = "Binary media types must be */* so that audio passes unchanged."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [{
      Sid = "PutUploadedObjects", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::talks-audio/*"]
    }] && jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "apigateway.amazonaws.com"
    error_message = "API Gateway's role may only put objects into the bucket."
  }

  assert {
    condition     = output.stage_url == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1" && output.upload_url_template == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/{folder}/{object}"
    error_message = "Stage URL and upload URL template."
  }
}

run "clients_get_s3s_status" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  assert {
    condition     = toset(keys(aws_api_gateway_method_response.this)) == toset(["200", "400", "403", "404", "500"]) && toset(keys(aws_api_gateway_integration_response.this)) == toset(["200", "400", "403", "404", "500"])
    error_message = "Method and integration responses for 200, 400, 403, 404 and 500."
  }

  # API Gateway picks the integration response whose pattern matches S3's whole status code, or the one without a
  # pattern. Every S3 status must land on exactly the right response.
  assert {
    condition = {
      for status in ["200", "204", "400", "401", "403", "404", "405", "409", "411", "412", "413", "499", "500", "503"] : status => coalescelist(
        [for code, response in aws_api_gateway_integration_response.this : code if response.selection_pattern != null && can(regex("^(?:${coalesce(response.selection_pattern, "x")})$", status))],
        [for code, response in aws_api_gateway_integration_response.this : code if response.selection_pattern == null],
      )
      } == {
      "200" = ["200"], "204" = ["200"],
      "400" = ["400"], "401" = ["400"], "403" = ["403"], "404" = ["404"], "405" = ["400"], "409" = ["400"],
      "411" = ["400"], "412" = ["400"], "413" = ["400"], "499" = ["400"],
      "500" = ["500"], "503" = ["500"],
    }
    error_message = "S3's status codes must map to 200 (2xx), 403, 404, 400 (other 4xx) and 500 (anything else), each to exactly one response."
  }

  assert {
    condition     = alltrue([for code, response in aws_api_gateway_integration_response.this : response.status_code == code && response.response_parameters["method.response.header.Content-Type"] == "integration.response.header.Content-Type"])
    error_message = "Each response must pass S3's Content-Type (and body) through."
  }

  assert {
    condition     = aws_api_gateway_integration_response.this["200"].response_parameters["method.response.header.ETag"] == "integration.response.header.ETag"
    error_message = "A successful upload returns S3's ETag."
  }
}

run "deployment_and_separate_stage" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  assert {
    condition     = can(regex("^[0-9a-f]{40}$", output.deployment_trigger))
    error_message = "The deployment must carry a hash of the API so it is redeployed on change."
  }

  assert {
    condition     = aws_api_gateway_stage.this.stage_name == "v1" && aws_api_gateway_stage.this.deployment_id == aws_api_gateway_deployment.this.id && length(aws_api_gateway_stage.this.access_log_settings) == 0
    error_message = "A separate stage v1 on the deployment, without access logs by default."
  }

  assert {
    condition     = aws_api_gateway_method_settings.this.method_path == "*/*" && aws_api_gateway_method_settings.this.settings[0].throttling_rate_limit == 5 && aws_api_gateway_method_settings.this.settings[0].throttling_burst_limit == 10
    error_message = "The stage must be throttled."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 0 && length(aws_iam_role.cloudwatch) == 0 && length(aws_cloudwatch_log_group.access) == 0
    error_message = "By default the module must not touch the account-wide API Gateway CloudWatch role setting."
  }

  assert {
    condition     = !aws_api_gateway_stage.this.xray_tracing_enabled && length(aws_wafv2_web_acl_association.this) == 0 && output.web_acl_arn == null
    error_message = "X-Ray tracing and a web ACL are opt-in."
  }
}

run "an_unchanged_api_keeps_its_deployment" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  assert {
    condition     = output.deployment_trigger == run.deployment_and_separate_stage.deployment_trigger
    error_message = "Applying the same API again must not redeploy it."
  }
}

run "a_changed_integration_redeploys" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    bucket_name = "talks-other-audio"
    bucket_arn  = "arn:aws:s3:::talks-other-audio"
  }

  assert {
    condition     = output.deployment_trigger != run.deployment_and_separate_stage.deployment_trigger
    error_message = "A changed integration must change the deployment's trigger, which replaces the deployment."
  }
}

run "api_key_usage_plan_throttle_and_quota" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    throttle_rate_limit  = 2
    throttle_burst_limit = 4
    quota_limit          = 100
    quota_period         = "WEEK"
  }

  assert {
    condition     = aws_api_gateway_usage_plan_key.this[0].key_id == aws_api_gateway_api_key.this[0].id && aws_api_gateway_usage_plan_key.this[0].usage_plan_id == aws_api_gateway_usage_plan.this[0].id && aws_api_gateway_usage_plan_key.this[0].key_type == "API_KEY"
    error_message = "The API key must be in the usage plan."
  }

  assert {
    condition     = one(aws_api_gateway_usage_plan.this[0].api_stages).api_id == aws_api_gateway_rest_api.this.id && one(aws_api_gateway_usage_plan.this[0].api_stages).stage == aws_api_gateway_stage.this.stage_name
    error_message = "The usage plan must cover the stage."
  }

  assert {
    condition = [
      aws_api_gateway_usage_plan.this[0].throttle_settings[0].rate_limit, aws_api_gateway_usage_plan.this[0].throttle_settings[0].burst_limit,
      aws_api_gateway_usage_plan.this[0].quota_settings[0].limit, aws_api_gateway_usage_plan.this[0].quota_settings[0].period,
    ] == [2, 4, 100, "WEEK"]
    error_message = "Throttle and quota must follow the variables."
  }

  assert {
    condition     = output.api_key_id == aws_api_gateway_api_key.this[0].id && output.usage_plan_id == aws_api_gateway_usage_plan.this[0].id
    error_message = "The key and plan ids are outputs."
  }

  assert {
    condition     = output.usage_plan == { throttle = { rate_limit = 2, burst_limit = 4 }, quota = { limit = 100, period = "WEEK" } } && output.stage_throttle == { rate_limit = 2, burst_limit = 4 }
    error_message = "The usage_plan and stage_throttle outputs must show the limits in force."
  }
}

run "no_key_no_usage_plan" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    api_key_required = false
    quota_limit      = null
  }

  assert {
    condition     = !aws_api_gateway_method.this.api_key_required && length(aws_api_gateway_api_key.this) == 0 && length(aws_api_gateway_usage_plan.this) == 0 && output.api_key_id == null && output.usage_plan == null
    error_message = "Without a required key there is no key and no usage plan."
  }

  assert {
    condition     = output.stage_throttle == { rate_limit = 5, burst_limit = 10 }
    error_message = "Without a key the stage throttle still applies."
  }
}

run "optional_access_logs_and_account_role" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    access_log_enabled             = true
    create_account_cloudwatch_role = true
    stage_name                     = "prod"
  }

  assert {
    condition     = aws_api_gateway_stage.this.stage_name == "prod" && aws_api_gateway_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access[0].arn
    error_message = "Access logs must go to the module's log group."
  }

  assert {
    condition     = jsondecode(aws_api_gateway_stage.this.access_log_settings[0].format).status == "$context.status" && jsondecode(aws_api_gateway_stage.this.access_log_settings[0].format).integrationStatus == "$context.integration.status"
    error_message = "The default access log line is JSON with the client's and S3's status."
  }

  assert {
    condition     = aws_api_gateway_account.this[0].cloudwatch_role_arn == aws_iam_role.cloudwatch[0].arn && endswith(aws_iam_role_policy_attachment.cloudwatch[0].policy_arn, ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    error_message = "When asked, the module sets the account's API Gateway CloudWatch role."
  }
}

run "encrypted_bucket_tracing_and_web_acl" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    bucket_kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_group_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    access_log_enabled    = true
    xray_tracing_enabled  = true
    web_acl_arn           = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/uploads/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      { Sid = "PutUploadedObjects", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::talks-audio/*"] },
      {
        Sid      = "EncryptUploadedObjects"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey"]
        Resource = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        Condition = {
          StringEquals = { "kms:ViaService" = ["s3.eu-west-1.amazonaws.com"] }
          StringLike   = { "kms:EncryptionContext:aws:s3:arn" = ["arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*"] }
        }
      },
    ]
    error_message = "With an encrypted bucket the role may also generate data keys, through S3 and for that bucket only."
  }

  assert {
    condition     = aws_cloudwatch_log_group.access[0].kms_key_id == var.log_group_kms_key_arn && output.access_log_group_kms_key_id == var.log_group_kms_key_arn
    error_message = "The access log group must use the given key."
  }

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled && output.xray_tracing_enabled
    error_message = "The stage must trace when asked."
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this[0].resource_arn == aws_api_gateway_stage.this.arn && aws_wafv2_web_acl_association.this[0].web_acl_arn == var.web_acl_arn && output.web_acl_arn == var.web_acl_arn
    error_message = "The web ACL must be associated with the stage."
  }
}

################################################################################
# POST /{folder}/{object}: presigned upload URLs
################################################################################

run "post_on_the_same_resource_presigns_through_a_lambda_proxy" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  # The routing contract: POST sits on the PUT's own resource, so it is for exactly the key the PUT would write and no
  # static path (such as /uploads beside /{folder}) can shadow a folder name.
  assert {
    condition     = aws_api_gateway_method.presign[0].http_method == "POST" && aws_api_gateway_method.presign[0].resource_id == aws_api_gateway_resource.object.id && aws_api_gateway_method.presign[0].resource_id == aws_api_gateway_method.this.resource_id
    error_message = "The presign route must be POST on the /{folder}/{object} resource the PUT uses."
  }

  assert {
    condition     = aws_api_gateway_method.presign[0].api_key_required && aws_api_gateway_method.presign[0].authorization == "NONE"
    error_message = "The presign route must need the same API key as the upload."
  }

  assert {
    condition = aws_api_gateway_method.presign[0].request_parameters == tomap({
      "method.request.path.folder" = true
      "method.request.path.object" = true
    })
    error_message = "folder and object are the presign route's required path parameters."
  }

  assert {
    condition = [
      aws_api_gateway_integration.presign[0].type, aws_api_gateway_integration.presign[0].integration_http_method, aws_api_gateway_integration.presign[0].uri,
    ] == ["AWS_PROXY", "POST", aws_lambda_function.presign[0].invoke_arn]
    error_message = "The presign route must be a Lambda proxy integration (AWS_PROXY, POST to Lambda's Invoke API) of the presign function."
  }

  assert {
    condition = [
      aws_lambda_permission.presign[0].action, aws_lambda_permission.presign[0].principal, aws_lambda_permission.presign[0].function_name, aws_lambda_permission.presign[0].source_arn,
    ] == ["lambda:InvokeFunction", "apigateway.amazonaws.com", aws_lambda_function.presign[0].function_name, "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/POST/*/*"]
    error_message = "Only this API's stage may invoke the function, only with POST on /{folder}/{object}."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.presign[0].policy).Statement == [
      {
        Sid      = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/talks-upload-presign:*"]
      },
      { Sid = "PutUploadedObjects", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::talks-audio/*"] },
    ] && jsondecode(aws_iam_role.presign[0].assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "The function's role may write its logs and put objects into the audio bucket (what its URLs do), nothing else."
  }

  assert {
    condition = [
      aws_lambda_function.presign[0].function_name, aws_lambda_function.presign[0].handler, aws_lambda_function.presign[0].filename,
      aws_lambda_function.presign[0].source_code_hash, aws_lambda_function.presign[0].role,
    ] == ["talks-upload-presign", "presign_upload.handler.handler", "build/lambda/presign_upload.zip", "cHJlc2lnbi16aXAtaGFzaA==", aws_iam_role.presign[0].arn]
    error_message = "The function runs presign_upload.handler.handler from the given package, as its own role."
  }

  assert {
    condition = jsonencode(output.presign_function_configuration) == jsonencode({
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
    error_message = "Defaults: python3.13 on arm64, 128 MB, 10 s, the audio bucket and a 900 s expiry in the environment, 30 days of logs."
  }

  assert {
    condition     = aws_lambda_function.presign[0].logging_config[0].log_group == aws_cloudwatch_log_group.presign[0].name && aws_cloudwatch_log_group.presign[0].name == "/aws/lambda/talks-upload-presign"
    error_message = "The function logs into its own log group, created with its retention."
  }

  assert {
    condition     = output.presign_url_template == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/{folder}/{object}" && output.presign_route.integration_type == "AWS_PROXY" && output.presign_route.api_key_required
    error_message = "The presign URL template is the upload URL template (POST instead of PUT)."
  }
}

run "presign_settings_reach_the_function" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    presigned_url_expiry_seconds = 3600
    presign_function_name        = "talks-sign"
    presign_function_runtime     = "python3.12"
    presign_function_log_level   = "DEBUG"
    stage_name                   = "prod"
  }

  assert {
    condition     = aws_lambda_function.presign[0].environment[0].variables == tomap({ AUDIO_BUCKET = "talks-audio", URL_EXPIRY_SECONDS = "3600", LOG_LEVEL = "DEBUG" }) && aws_lambda_function.presign[0].runtime == "python3.12"
    error_message = "Expiry, log level and runtime must reach the function."
  }

  assert {
    condition     = aws_lambda_function.presign[0].function_name == "talks-sign" && aws_iam_role.presign[0].name == "talks-sign" && aws_cloudwatch_log_group.presign[0].name == "/aws/lambda/talks-sign"
    error_message = "presign_function_name names the function, its role and its log group."
  }

  assert {
    condition     = aws_lambda_permission.presign[0].source_arn == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/*/*"
    error_message = "The permission follows the stage name."
  }
}

run "presign_with_an_encrypted_bucket_and_tracing" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    bucket_kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_group_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    xray_tracing_enabled  = true
  }

  # S3 checks a presigned upload against the signer's permissions, encryption included: the function's role needs
  # exactly what the integration's role has.
  assert {
    condition     = [for statement in jsondecode(aws_iam_role_policy.presign[0].policy).Statement : statement if statement.Sid != "WriteOwnLogs" && statement.Sid != "WriteTraces"] == jsondecode(aws_iam_role_policy.this.policy).Statement
    error_message = "The function's role may put and encrypt objects of the audio bucket exactly as the API's role may."
  }

  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.presign[0].policy).Statement : statement.Action if contains(statement.Resource, "*")] == [
      ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    ]
    error_message = "With tracing, only X-Ray's write actions may be granted on \"*\"."
  }

  assert {
    condition     = aws_lambda_function.presign[0].tracing_config[0].mode == "Active" && aws_cloudwatch_log_group.presign[0].kms_key_id == var.log_group_kms_key_arn
    error_message = "Tracing and the log group's key apply to the function too."
  }
}

run "presign_disabled_leaves_only_the_put" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    presigned_upload_enabled          = false
    presign_function_filename         = null
    presign_function_source_code_hash = null
  }

  assert {
    condition = [
      length(aws_api_gateway_method.presign), length(aws_api_gateway_integration.presign), length(aws_lambda_permission.presign),
      length(aws_lambda_function.presign), length(aws_iam_role.presign), length(aws_cloudwatch_log_group.presign),
    ] == [0, 0, 0, 0, 0, 0]
    error_message = "Without presigned uploads there is no POST route, function, role or log group."
  }

  assert {
    condition     = output.presign_url_template == null && output.presign_function_name == null && output.presign_route == null && output.presign_role_policy_json == null
    error_message = "The presign outputs are null when it is off."
  }

  assert {
    condition     = output.deployment_trigger != run.post_on_the_same_resource_presigns_through_a_lambda_proxy.deployment_trigger
    error_message = "Adding or removing the POST route must redeploy the API."
  }
}

run "presign_needs_the_package" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    presign_function_filename = null
  }

  expect_failures = [aws_lambda_function.presign]
}

run "invalid_presign_settings_are_rejected" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    presigned_url_expiry_seconds                    = 3601
    presign_function_name                           = "talks sign"
    presign_function_runtime                        = "python3.9"
    presign_function_architecture                   = "arm"
    presign_function_memory_size                    = 64
    presign_function_timeout                        = 30
    presign_function_reserved_concurrent_executions = -2
    presign_function_log_level                      = "TRACE"
  }

  expect_failures = [
    var.presigned_url_expiry_seconds,
    var.presign_function_name,
    var.presign_function_runtime,
    var.presign_function_architecture,
    var.presign_function_memory_size,
    var.presign_function_timeout,
    var.presign_function_reserved_concurrent_executions,
    var.presign_function_log_level,
  ]
}

run "too_short_an_expiry_is_rejected" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    presigned_url_expiry_seconds = 59
  }

  expect_failures = [var.presigned_url_expiry_seconds]
}

run "invalid_settings_are_rejected" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    stage_name                       = "v 1"
    quota_period                     = "YEAR"
    throttle_rate_limit              = 0
    integration_timeout_milliseconds = 30000
    bucket_kms_key_arn               = "alias/talks"
    log_group_kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:alias/talks"
    web_acl_arn                      = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/uploads/a1b2c3d4"
  }

  expect_failures = [
    var.stage_name,
    var.quota_period,
    var.throttle_rate_limit,
    var.integration_timeout_milliseconds,
    var.bucket_kms_key_arn,
    var.log_group_kms_key_arn,
    var.web_acl_arn,
  ]
}

run "get_on_the_same_resource_reads_results_through_a_lambda_proxy" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  assert {
    condition     = aws_api_gateway_method.results[0].http_method == "GET" && aws_api_gateway_method.results[0].resource_id == aws_api_gateway_resource.object.id && aws_api_gateway_method.results[0].api_key_required
    error_message = "GET on the upload's own resource /{folder}/{object}, with the same API key requirement."
  }

  assert {
    condition = aws_api_gateway_method.results[0].request_parameters == tomap({
      "method.request.path.folder"        = true
      "method.request.path.object"        = true
      "method.request.querystring.format" = false
    })
    error_message = "folder and object are required path parameters; format is an optional query parameter."
  }

  assert {
    condition     = aws_api_gateway_integration.results[0].type == "AWS_PROXY" && aws_api_gateway_integration.results[0].integration_http_method == "POST" && aws_api_gateway_integration.results[0].uri == aws_lambda_function.results[0].invoke_arn
    error_message = "GET is a Lambda proxy integration of the results function."
  }

  assert {
    condition     = aws_lambda_permission.results[0].source_arn == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/GET/*/*" && aws_lambda_permission.results[0].principal == "apigateway.amazonaws.com"
    error_message = "Only this API's stage may invoke the results function, only with GET on a two-segment path."
  }

  assert {
    condition = aws_lambda_function.results[0].environment[0].variables == tomap({
      AUDIO_BUCKET       = "talks-audio"
      TRANSCRIPT_BUCKET  = "talks-transcripts"
      IMAGE_BUCKET       = "talks-images"
      URL_EXPIRY_SECONDS = "900"
      LOG_LEVEL          = "INFO"
    })
    error_message = "The function knows the three buckets and signs URLs valid 900 s by default."
  }

  assert {
    condition     = aws_lambda_function.results[0].function_name == "talks-upload-results" && aws_lambda_function.results[0].handler == "read_results.handler.handler" && aws_lambda_function.results[0].role == aws_iam_role.results[0].arn
    error_message = "The results function has its own role."
  }

  # Read-only: GetObject on the uploads, the known prefixes of the transcript bucket and the image bucket; no List,
  # no Put, no Delete, nothing on any other bucket.
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.results[0].policy).Statement : statement if statement.Sid != "WriteOwnLogs"] == [
      {
        Sid    = "ReadPipelineObjects"
        Effect = "Allow"
        Action = ["s3:GetObject"]
        Resource = [
          "arn:aws:s3:::talks-audio/*",
          "arn:aws:s3:::talks-transcripts/transcripts/*",
          "arn:aws:s3:::talks-transcripts/jobs/*",
          "arn:aws:s3:::talks-transcripts/errors/*",
          "arn:aws:s3:::talks-images/*",
        ]
      },
    ]
    error_message = "The results role may only get objects under the known prefixes of the three buckets."
  }

  assert {
    condition     = output.results_url_template == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/{folder}/{object}" && output.results_function_name == "talks-upload-results"
    error_message = "The results outputs name the route and the function."
  }
}

run "results_with_an_encrypted_bucket_may_decrypt_through_s3_only" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    bucket_kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    results_url_expiry_seconds = 3600
  }

  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.results[0].policy).Statement : statement if statement.Sid == "DecryptPipelineObjects"] == [
      {
        Sid      = "DecryptPipelineObjects"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
        Condition = {
          StringEquals = { "kms:ViaService" = ["s3.eu-west-1.amazonaws.com"] }
          StringLike = { "kms:EncryptionContext:aws:s3:arn" = [
            "arn:aws:s3:::talks-audio", "arn:aws:s3:::talks-audio/*",
            "arn:aws:s3:::talks-transcripts", "arn:aws:s3:::talks-transcripts/*",
            "arn:aws:s3:::talks-images", "arn:aws:s3:::talks-images/*",
          ] }
        }
      },
    ]
    error_message = "With SSE-KMS the results role may decrypt, through S3 and for the three buckets only."
  }

  assert {
    condition     = aws_lambda_function.results[0].environment[0].variables["URL_EXPIRY_SECONDS"] == "3600"
    error_message = "results_url_expiry_seconds reaches the function."
  }
}

run "results_disabled_leaves_no_get_route" {
  command = apply

  module {
    source = "./modules/upload-api"
  }

  variables {
    results_api_enabled               = false
    results_function_filename         = null
    results_function_source_code_hash = null
    results_buckets                   = null
  }

  assert {
    condition = [
      length(aws_api_gateway_method.results), length(aws_api_gateway_integration.results), length(aws_lambda_permission.results),
      length(aws_lambda_function.results), length(aws_iam_role.results), length(aws_cloudwatch_log_group.results),
    ] == [0, 0, 0, 0, 0, 0]
    error_message = "Without the results API there is no GET route, function, role or log group."
  }

  assert {
    condition     = output.results_url_template == null && output.results_function_name == null && output.results_role_policy_json == null
    error_message = "The results outputs are null when it is off."
  }

  assert {
    condition     = output.deployment_trigger != run.get_on_the_same_resource_reads_results_through_a_lambda_proxy.deployment_trigger
    error_message = "Adding or removing the GET route must redeploy the API."
  }
}

run "results_need_the_package_and_the_buckets" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    results_function_filename = null
    results_buckets           = null
  }

  expect_failures = [aws_lambda_function.results]
}

run "invalid_results_settings_are_rejected" {
  command = plan

  module {
    source = "./modules/upload-api"
  }

  variables {
    results_url_expiry_seconds   = 3601
    results_function_name        = "talks results"
    results_function_memory_size = 64
    results_function_timeout     = 30
    results_buckets = {
      transcript_bucket_name = "talks-transcripts"
      transcript_bucket_arn  = "arn:aws:s3:::talks-transcripts"
      transcript_prefixes    = ["*"]
      image_bucket_name      = "talks-images"
      image_bucket_arn       = "arn:aws:s3:::talks-images"
    }
  }

  expect_failures = [
    var.results_url_expiry_seconds,
    var.results_function_name,
    var.results_function_memory_size,
    var.results_function_timeout,
    var.results_buckets,
  ]
}
