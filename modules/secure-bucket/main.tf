# A private S3 bucket: no public access, no ACLs, encrypted at rest, reachable over TLS only,
# with optional versioning and expiry.

resource "aws_s3_bucket" "this" {
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

# SSE-S3 needs no key policy: Amazon Transcribe and the functions read and write with their IAM permissions only.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
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
