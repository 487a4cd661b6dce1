"""Image function: a finished Transcribe transcript -> scenes -> one Bedrock image per scene, a manifest and a gallery.

Modules in the order the data travels: `settings` (environment), `transcript` and `subtitles` (parsing), `scenes`
(splitting), `prompts` (plain prompts), `plan` (all of the above as one pure step, also used by
scripts/preview_scenes.py), `director` (the prompt director's Converse request and reply), `translation` (Amazon
Translate for the fallback), `scene_prompts` (each scene's prompt: director, translated or plain), `resume` (scenes an
earlier attempt finished), `image_models` (one adapter per Active model family, limits from
pipeline_core/models.json), `generation` (concurrent Bedrock calls), `gallery` (manifest and index.html),
`illustrate` (S3 reads and writes for one transcript) and `handler` (the Lambda entry point).
"""
