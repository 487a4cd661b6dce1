output "stage_url" {
  description = "Invoke URL of the upload API's stage."
  value       = module.pipeline.stage_url
}

output "upload_url_template" {
  description = "URL to PUT an audio file to."
  value       = module.pipeline.upload_url_template
}

output "presign_url_template" {
  description = "URL to POST {\"size\", \"content_type\"} to for a presigned S3 PUT URL (files over 10 MB)."
  value       = module.pipeline.presign_url_template
}

output "curl_command" {
  description = "A ready command that uploads ./talk.mp3."
  value       = module.pipeline.curl_command
}

output "api_key_id" {
  description = "ID of the upload API key."
  value       = module.pipeline.api_key_id
}

# curl_command reads the key with `terraform output -raw api_key_value`.
output "api_key_value" {
  description = "Value of the upload API key."
  value       = module.pipeline.api_key_value
  sensitive   = true
}

output "audio_bucket_name" {
  description = "Bucket of the uploaded audio files."
  value       = module.pipeline.audio_bucket_name
}

output "transcript_bucket_name" {
  description = "Bucket of the transcripts and subtitles."
  value       = module.pipeline.transcript_bucket_name
}

output "image_bucket_name" {
  description = "Bucket of the images and gallery pages."
  value       = module.pipeline.image_bucket_name
}

output "transcription_function_name" {
  description = "Name of the transcription function."
  value       = module.pipeline.transcription_function_name
}

output "image_function_name" {
  description = "Name of the image function."
  value       = module.pipeline.image_function_name
}

output "dead_letter_queue_urls" {
  description = "Queues holding the events the functions failed on."
  value = {
    transcription = module.pipeline.transcription_dead_letter_queue_url
    image         = module.pipeline.image_dead_letter_queue_url
  }
}

output "kms_key_arn" {
  description = "KMS key that encrypts the buckets, queues and logs; readers of the results need kms:Decrypt on it."
  value       = module.pipeline.kms_key_arn
}
