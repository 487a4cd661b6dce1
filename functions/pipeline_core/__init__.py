"""Code shared by the transcription and image functions; the packaging script puts it into both zips."""
