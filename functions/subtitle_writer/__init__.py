"""Subtitle writer: word timings -> cues people can read, under a reading profile per language. Pure: no AWS.

Used by the image function (subtitle tracks next to the images, scene cuts), scripts/preview_scenes.py and any later
reader of transcripts. `profiles.json` beside this file holds the rules; Terraform reads it too.
"""
