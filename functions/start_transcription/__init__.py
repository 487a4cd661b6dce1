"""Transcription function: an audio upload in S3 -> one Amazon Transcribe job writing transcript and subtitles."""
