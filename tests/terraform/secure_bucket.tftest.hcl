# modules/secure-bucket on its own: the settings every bucket of the pipeline gets.

mock_provider "aws" {
  source = "./tests/terraform/mocks/aws"
}

variables {
  bucket_prefix = "talks-audio-"
}

override_resource {
  target = aws_s3_bucket.this
  values = {
    id     = "talks-audio-20250101000000000000000001"
    bucket = "talks-audio-20250101000000000000000001"
    arn    = "arn:aws:s3:::talks-audio-20250101000000000000000001"
  }
}

run "private_encrypted_tls_only_by_default" {
  command = apply

  module {
    source = "./modules/secure-bucket"
  }

  assert {
    condition     = aws_s3_bucket.this.bucket_prefix == "talks-audio-" && aws_s3_bucket.this.force_destroy == false
    error_message = "Without a name the bucket name is generated from the prefix; force_destroy is off by default."
  }

  assert {
    condition = [
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ] == [true, true, true, true]
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Default encryption must be on."
  }

  assert {
    condition     = output.encryption.sse_algorithm == "AES256" && output.encryption.kms_master_key_id == null && output.encryption.bucket_key_enabled == false
    error_message = "Without a key: SSE-S3, no key, no bucket key."
  }

  assert {
    condition = output.public_access_block == {
      block_public_acls = true, block_public_policy = true, ignore_public_acls = true, restrict_public_buckets = true
    } && output.object_ownership == "BucketOwnerEnforced"
    error_message = "The outputs must show the public access block and the ownership setting as applied."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.this) == 0 && output.access_logging == null
    error_message = "No access logging unless a target bucket is given."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.this.policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource = [
        "arn:aws:s3:::talks-audio-20250101000000000000000001",
        "arn:aws:s3:::talks-audio-20250101000000000000000001/*",
      ]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The bucket policy must deny every request without TLS, on the bucket and its objects."
  }

  assert {
    condition = alltrue([
      for bucket in [
        aws_s3_bucket_public_access_block.this.bucket,
        aws_s3_bucket_ownership_controls.this.bucket,
        aws_s3_bucket_server_side_encryption_configuration.this.bucket,
        aws_s3_bucket_lifecycle_configuration.this.bucket,
        aws_s3_bucket_policy.this.bucket,
      ] : bucket == aws_s3_bucket.this.id
    ])
    error_message = "Every setting must apply to this bucket."
  }

  assert {
    condition     = length(aws_s3_bucket_versioning.this) == 0 && output.versioning_enabled == false
    error_message = "Versioning is off unless asked for."
  }

  assert {
    condition     = [for rule in aws_s3_bucket_lifecycle_configuration.this.rule : rule.id] == ["abort-incomplete-multipart-uploads"]
    error_message = "Without expiry or versioning, the only lifecycle rule cleans up incomplete multipart uploads."
  }

  assert {
    condition     = output.name == aws_s3_bucket.this.bucket && output.arn == "arn:aws:s3:::talks-audio-20250101000000000000000001"
    error_message = "The outputs must name the bucket."
  }
}

run "explicit_name_versioning_and_expiry" {
  command = apply

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    bucket                             = "my-talks-audio"
    versioning_enabled                 = true
    expiration_days                    = 365
    noncurrent_version_expiration_days = 7
    force_destroy                      = true
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "my-talks-audio"
    error_message = "An explicit name wins over the prefix."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy
    error_message = "force_destroy must be passed on."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this[0].versioning_configuration[0].status == "Enabled" && output.versioning_enabled
    error_message = "versioning_enabled must enable versioning."
  }

  assert {
    condition = [
      for rule in aws_s3_bucket_lifecycle_configuration.this.rule :
      [rule.id, rule.status, try(coalesce(rule.expiration[0].days), 0), try(rule.noncurrent_version_expiration[0].noncurrent_days, 0)]
      ] == [
      ["abort-incomplete-multipart-uploads", "Enabled", 0, 0],
      ["expire-objects", "Enabled", 365, 0],
      ["expire-noncurrent-versions", "Enabled", 0, 7],
    ]
    error_message = "Expected rules: abort multipart uploads, expire objects after 365 days, expire noncurrent versions after 7 days."
  }

  assert {
    condition     = one([for rule in aws_s3_bucket_lifecycle_configuration.this.rule : rule.expiration[0].expired_object_delete_marker if rule.id == "expire-noncurrent-versions"])
    error_message = "Delete markers left without versions must be removed too."
  }
}

run "a_customer_managed_key_encrypts_with_a_bucket_key" {
  command = apply

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = [
      one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm,
      one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id,
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled,
    ] == ["aws:kms", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", true]
    error_message = "With a key the bucket must default to SSE-KMS with that key and a bucket key."
  }

  assert {
    condition     = output.encryption.sse_algorithm == "aws:kms" && output.encryption.kms_master_key_id == var.kms_key_arn && output.encryption.bucket_key_enabled
    error_message = "The encryption output must show the key."
  }

  assert {
    condition     = one(jsondecode(aws_s3_bucket_policy.this.policy).Statement).Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The key changes nothing about the TLS-only policy."
  }
}

run "access_logs_go_to_another_bucket" {
  command = apply

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    bucket = "my-talks-audio"
    access_logging = {
      target_bucket = "my-access-logs"
    }
  }

  assert {
    condition     = [aws_s3_bucket_logging.this[0].bucket, aws_s3_bucket_logging.this[0].target_bucket, aws_s3_bucket_logging.this[0].target_prefix] == [aws_s3_bucket.this.id, "my-access-logs", "my-talks-audio/"]
    error_message = "Access logs must go to the target bucket, under the bucket's name by default."
  }

  assert {
    condition     = output.access_logging == { target_bucket = "my-access-logs", target_prefix = "my-talks-audio/" }
    error_message = "The access_logging output must show where the logs go."
  }
}

run "a_bucket_logging_into_itself_fails_the_plan" {
  command = plan

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    bucket = "my-talks-audio"
    access_logging = {
      target_bucket = "my-talks-audio"
      target_prefix = "logs/"
    }
  }

  expect_failures = [aws_s3_bucket_logging.this]
}

run "a_bucket_needs_a_name_or_a_prefix" {
  command = plan

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    bucket_prefix = null
  }

  expect_failures = [aws_s3_bucket.this]
}

run "invalid_names_are_rejected" {
  command = plan

  module {
    source = "./modules/secure-bucket"
  }

  variables {
    bucket          = "Not_A_Bucket"
    bucket_prefix   = "this-prefix-is-far-too-long-for-a-generated-name-"
    expiration_days = 0
    kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:alias/talks"
    access_logging  = { target_bucket = "arn:aws:s3:::my-access-logs" }
  }

  expect_failures = [var.bucket, var.bucket_prefix, var.expiration_days, var.kms_key_arn, var.access_logging]
}
