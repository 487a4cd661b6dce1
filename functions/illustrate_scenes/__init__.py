"""Image function: a finished Transcribe transcript -> scenes -> one Bedrock image per scene, a manifest and a gallery.

Modules in the order the data travels: `settings` (environment), `transcript` and `subtitles` (parsing), `scenes`
(splitting), `prompts`, `plan` (all of the above as one pure step, also used by scripts/preview_scenes.py),
`image_models` (one adapter per model family), `generation` (concurrent Bedrock calls), `gallery` (manifest and
index.html), `illustrate` (S3 reads and writes for one transcript) and `handler` (the Lambda entry point).
"""
