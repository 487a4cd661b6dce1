provider "aws" {
  region = "us-east-1" # where the buckets, the API and the functions are created
}

module "subtitles" {
  source = "../.." # from another repository: "git::https://github.com/<owner>/audio-to-illustrated-subtitles.git?ref=<tag>"

  name           = "talks"                   # prefix of every resource name
  image_model_id = "amazon.nova-canvas-v1:0" # served on demand in us-east-1
}
