provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project = "audio-to-illustrated-subtitles"
    }
  }
}

module "pipeline" {
  # From another repository: source = "git::https://github.com/<owner>/audio-to-illustrated-subtitles.git?ref=<tag>"
  source = "../.."

  name = var.name

  buckets = {
    audio      = { versioning_enabled = true, noncurrent_version_expiration_days = 7 }
    transcript = { expiration_days = 90 }
    image      = { expiration_days = 90 }
  }
  bucket_force_destroy = true # a demo: `terraform destroy` also deletes what was uploaded and generated

  # A customer managed key for the buckets, dead-letter queues and log groups (about $1 a month plus requests);
  # whoever reads the results needs kms:Decrypt on it. kms_key_arn = "<arn>" brings your own key instead.
  create_kms_key                  = true
  kms_key_deletion_window_in_days = 7 # a demo: the key goes a week after `terraform destroy`

  api_stage_name          = "v1"
  api_throttle_rate_limit = 2
  api_quota_limit         = 200

  language_code      = null                        # identify the language automatically ...
  language_options   = ["en-US", "en-GB", "de-DE"] # ... among these
  max_speaker_labels = 4

  image_model_id      = "stability.stable-image-core-v1:1"
  prompt_model_id     = "us.amazon.nova-lite-v1:0"
  image_style         = "soft watercolor illustration, no text"
  scene_seconds       = 45
  max_images_per_file = 8

  tags = {
    Environment = "demo"
  }
}
