"""The player page: one self-contained HTML page for one illustrated audio file, shared by the image function (the
bucket copy, `index.html`, with relative names) and the results function (`GET ...?format=html`, presigned URLs)."""
