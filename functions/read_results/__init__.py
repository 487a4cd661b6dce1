"""GET /{folder}/{object} on the upload API: the status and results of one upload, with presigned GET URLs."""
