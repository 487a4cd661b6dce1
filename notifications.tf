################################################################################
# Completion events and e-mail notifications
#
# Each uploaded file ends with one event on the account's default event bus (source and detail type in
# functions/pipeline_core/completion_event.json): complete, partial or failed from the image function, rejected or
# transcription-failed from the transcription function. With notification_email_addresses, a rule mails a short
# text with the results link (the GET route, which needs the API key: no presigned URL travels by e-mail).
# Kept out of main.tf so the pipeline's wiring reads without it.
################################################################################

locals {
  completion_event      = jsondecode(file("${path.module}/functions/pipeline_core/completion_event.json"))
  default_event_bus_arn = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/default"
  notifications         = length(var.notification_email_addresses) > 0 ? 1 : 0
  notification_rule_arn = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name}-completion"
}

resource "aws_cloudwatch_event_rule" "completion" {
  count = local.notifications

  name        = "${var.name}-completion"
  description = "Each file of this pipeline that is done (complete, partial, failed, rejected, transcription-failed) -> e-mail."
  event_pattern = jsonencode({
    source        = [local.completion_event.source]
    "detail-type" = [local.completion_event.detail_type]
    # Only this deployment's uploads: another deployment in the account puts the same source on the same bus.
    detail = { source_bucket = [module.bucket["audio"].name] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "completion_email" {
  count = local.notifications

  rule = aws_cloudwatch_event_rule.completion[0].name
  arn  = aws_sns_topic.completion[0].arn

  input_transformer {
    input_paths = {
      job    = "$.detail.job_name"
      status = "$.detail.status"
      key    = "$.detail.source_key"
      reason = "$.detail.reason"
    }
    input_template = "\"<key> is <status> (<reason>). Results: GET ${module.upload_api.stage_url}/<key> with header x-api-key (add ?format=html for the player), or: python3 scripts/client.py fetch <key> --out results/. Job <job>.\""
  }
}

# EventBridge publishes to an encrypted topic only with a key whose policy lets it: the AWS managed alias/aws/sns key
# does not, so the topic has its own customer managed key, usable by EventBridge for this rule only.
resource "aws_kms_key" "notifications" {
  count = local.notifications

  description             = "${var.name}: encrypts the completion notification topic."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgePublishesToTheTopic"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { ArnEquals = { "aws:SourceArn" = local.notification_rule_arn } }
      },
    ]
  })
  tags = var.tags
}

resource "aws_sns_topic" "completion" {
  count = local.notifications

  name              = "${var.name}-completion"
  kms_master_key_id = aws_kms_key.notifications[0].arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "completion" {
  count = local.notifications

  arn = aws_sns_topic.completion[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CompletionRulePublishes"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.completion[0].arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.completion[0].arn } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "completion_email" {
  for_each = toset(var.notification_email_addresses)

  topic_arn = aws_sns_topic.completion[0].arn
  protocol  = "email"
  endpoint  = each.value
}
