# modules/upload-api on its own: PUT /{folder}/{object} -> S3 PutObject into one fixed bucket.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
}

variables {
  name        = "talks-upload"
  bucket_name = "talks-audio"
  bucket_arn  = "arn:aws:s3:::talks-audio"
}

override_resource {
  target = aws_api_gateway_stage.this
  values = { invoke_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1" }
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
