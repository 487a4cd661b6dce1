output "stage_url" {
  description = "Invoke URL of the upload API; uploads go to <stage_url>/<folder>/<file>."
  value       = module.subtitles.stage_url
}

output "api_key_value" {
  description = "The upload API key, sent as header x-api-key."
  value       = module.subtitles.api_key_value
  sensitive   = true
}
