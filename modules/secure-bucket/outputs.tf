output "name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "policy_json" {
  description = "The bucket policy (TLS-only access)."
  value       = aws_s3_bucket_policy.this.policy
}

output "public_access_block" {
  description = "The bucket's public access block: block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets."
  value = {
    block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
  }
}

output "object_ownership" {
  description = "Object ownership setting; BucketOwnerEnforced disables ACLs."
  value       = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership
}

output "encryption" {
  description = "Default encryption: sse_algorithm (AES256 or aws:kms), kms_master_key_id (null with AES256) and bucket_key_enabled."
  value = {
    sse_algorithm      = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm
    kms_master_key_id  = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id
    bucket_key_enabled = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
  }
}

output "access_logging" {
  description = "Where the server access logs go: target_bucket and target_prefix; null when access logging is off."
  value = try({
    target_bucket = aws_s3_bucket_logging.this[0].target_bucket
    target_prefix = aws_s3_bucket_logging.this[0].target_prefix
  }, null)
}

output "versioning_enabled" {
  description = "Whether object versioning is enabled."
  value       = length(aws_s3_bucket_versioning.this) > 0
}
