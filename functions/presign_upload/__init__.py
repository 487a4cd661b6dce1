"""Presign function: `POST /{folder}/{object}` on the upload API -> a short-lived presigned S3 PUT URL for files over
API Gateway's 10 MB body limit. `uploads` holds the rules (also used by scripts/client.py and the local upload API
stand-in), `handler` is the Lambda entry point."""
