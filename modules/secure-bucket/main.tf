# A private S3 bucket: no public access, no ACLs, encrypted at rest (SSE-S3, or SSE-KMS with a customer managed key),
# reachable over TLS only, with optional versioning, expiry and server access logging.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-Region replication is left to the caller: it needs a second bucket and role in another Region, the transcripts and images can be produced again from the audio, and the audio bucket is versioned.
  #checkov:skip=CKV2_AWS_62:The notification of a bucket belongs to its consumer (modules/s3-triggered-function); S3 keeps one per bucket, so a second one here would replace it. The image bucket ends the pipeline.
  #checkov:skip=CKV_AWS_18:Server access logging is optional (access_logging): it needs a separate log bucket, which the caller owns; CloudTrail data events are the alternative.
  bucket        = var.bucket
  bucket_prefix = var.bucket == null ? var.bucket_prefix : null
  force_destroy = var.force_destroy
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = var.bucket != null || var.bucket_prefix != null
      error_message = "Set either bucket or bucket_prefix."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs are disabled: the bucket owner owns every object, whoever wrote it.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-S3 by default; SSE-KMS when a customer managed key is given. With a key, everyone who reads or writes objects
# (the functions, Amazon Transcribe acting for the transcription function, API Gateway's role) needs permission to use
# it: kms:Decrypt to read, kms:GenerateDataKey to write.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }

    # A bucket key (one data key per bucket, reused for a while) cuts the KMS requests, and their cost, by up to 99 %.
    # It makes the bucket ARN the encryption context, which the roles' kms conditions name.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Removing this resource (versioning_enabled = false after true) suspends versioning; a new bucket is unversioned.
resource "aws_s3_bucket_versioning" "this" {
  count = var.versioning_enabled ? 1 : 0

  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  dynamic "rule" {
    for_each = var.expiration_days == null ? {} : { "expire-objects" = var.expiration_days }

    content {
      id     = rule.key
      status = "Enabled"

      filter {}

      expiration {
        days = rule.value
      }
    }
  }

  dynamic "rule" {
    for_each = var.versioning_enabled ? { "expire-noncurrent-versions" = var.noncurrent_version_expiration_days } : {}

    content {
      id     = rule.key
      status = "Enabled"

      filter {}

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }

      # Delete markers left behind once all noncurrent versions expired.
      expiration {
        expired_object_delete_marker = true
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ]
  })

  # S3 refuses concurrent changes to the same bucket's access settings:
  # "OperationAborted: A conflicting conditional operation is currently in progress against this resource."
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_logging == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logging.target_bucket
  target_prefix = coalesce(var.access_logging.target_prefix, "${aws_s3_bucket.this.bucket}/")

  lifecycle {
    precondition {
      condition     = var.access_logging.target_bucket != aws_s3_bucket.this.bucket
      error_message = "A bucket must not log into itself: every log object delivered would be logged again."
    }
  }
}
