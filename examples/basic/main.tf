provider "aws" {
  region = "us-east-1" # the buckets, the API and the functions
}

module "subtitles" {
  source = "../.." # from another repository: "git::https://github.com/<owner>/audio-to-illustrated-subtitles.git?ref=<tag>"

  name           = "talks"                            # prefix of every resource name
  image_model_id = "stability.stable-image-core-v1:1" # Stable Image Core, the default
  bedrock_region = "us-west-2"                        # the only Region that serves it on demand
}
