# What scripts/package.py answers the module's data "external" "package" with: each zip's path and hashes.

mock_data "external" {
  defaults = {
    result = {
      start_transcription_path = "build/lambda/start_transcription.zip"
      start_transcription_hash = "dHJhbnNjcmlwdGlvbi16aXAtaGFzaA=="
      start_transcription_size = "4096"
      illustrate_scenes_path   = "build/lambda/illustrate_scenes.zip"
      illustrate_scenes_hash   = "aW1hZ2UtemlwLWhhc2g="
      illustrate_scenes_size   = "8192"
      presign_upload_path      = "build/lambda/presign_upload.zip"
      presign_upload_hash      = "cHJlc2lnbi16aXAtaGFzaA=="
      presign_upload_size      = "2048"
      read_results_path        = "build/lambda/read_results.zip"
      read_results_hash        = "cmVzdWx0cy16aXAtaGFzaA=="
      read_results_size        = "2048"
    }
  }
}
