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

output "versioning_enabled" {
  description = "Whether object versioning is enabled."
  value       = length(aws_s3_bucket_versioning.this) > 0
}
