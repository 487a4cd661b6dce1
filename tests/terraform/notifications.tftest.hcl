# Completion notifications (notifications.tf) and the results route as the root module wires them, against mock
# providers.

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

override_resource {
  target = module.upload_api.aws_api_gateway_stage.this
  values = { invoke_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1" }
}

run "no_addresses_no_topic_rule_or_key" {
  command = apply

  assert {
    condition     = length(aws_sns_topic.completion) == 0 && length(aws_cloudwatch_event_rule.completion) == 0 && length(aws_kms_key.notifications) == 0 && output.completion_topic_arn == null
    error_message = "Without notification_email_addresses there is no topic, rule or key."
  }

  assert {
    condition     = output.results_url_template == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/{folder}/{object}" && module.upload_api.results_function_name == "talks-read-results"
    error_message = "The results route is on by default, on the upload API's stage."
  }

  assert {
    condition = [for statement in jsondecode(module.upload_api.results_role_policy_json).Statement : statement.Resource if statement.Sid == "ReadPipelineObjects"] == [[
      "arn:aws:s3:::talks-audio/*",
      "arn:aws:s3:::talks-transcripts/transcripts/*",
      "arn:aws:s3:::talks-transcripts/jobs/*",
      "arn:aws:s3:::talks-transcripts/errors/*",
      "arn:aws:s3:::talks-images/*",
    ]]
    error_message = "The results function reads the pipeline's known prefixes, named from contract.json."
  }
}

run "addresses_get_an_encrypted_topic_and_a_rule_for_this_pipelines_files" {
  command = apply

  variables {
    notification_email_addresses = ["talks@example.com", "team@example.org"]
  }

  assert {
    condition     = toset([for subscription in aws_sns_topic_subscription.completion_email : subscription.endpoint]) == toset(["talks@example.com", "team@example.org"]) && alltrue([for subscription in aws_sns_topic_subscription.completion_email : subscription.protocol == "email"])
    error_message = "Each address gets an e-mail subscription."
  }

  assert {
    condition     = aws_sns_topic.completion[0].kms_master_key_id == aws_kms_key.notifications[0].arn && aws_kms_key.notifications[0].enable_key_rotation
    error_message = "The topic is encrypted with its own rotating key."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.completion[0].event_pattern) == {
      source        = ["audio-pipeline"]
      "detail-type" = ["Audio File Processed"]
      detail        = { source_bucket = ["talks-audio"] }
    }
    error_message = "The rule matches this pipeline's completion events (completion_event.json) for its own audio bucket only."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_event_target.completion_email[0].input_transformer[0].input_template, "GET https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/<key>") && !strcontains(aws_cloudwatch_event_target.completion_email[0].input_transformer[0].input_template, "X-Amz-Signature")
    error_message = "The mail carries the GET route's link (not a presigned URL)."
  }

  assert {
    condition     = [for statement in jsondecode(aws_kms_key.notifications[0].policy).Statement : statement.Condition if statement.Sid == "EventBridgePublishesToTheTopic"] == [{ ArnEquals = { "aws:SourceArn" = "arn:aws:events:eu-west-1:123456789012:rule/talks-completion" } }]
    error_message = "EventBridge may use the key only for this pipeline's rule."
  }

  assert {
    condition     = output.completion_topic_arn == aws_sns_topic.completion[0].arn
    error_message = "The topic's ARN is an output."
  }
}

run "a_malformed_address_fails_the_plan" {
  command = plan

  variables {
    notification_email_addresses = ["talks at example.com"]
  }

  expect_failures = [var.notification_email_addresses]
}

run "results_can_be_turned_off" {
  command = apply

  variables {
    results_api_enabled = false
  }

  assert {
    condition     = output.results_url_template == null && module.upload_api.results_function_name == null
    error_message = "results_api_enabled = false leaves no GET route."
  }
}
