"""The bucket copy of the player (`<job>/index.html`): the shared player page with relative names, its subtitle tracks
read from S3 and inlined. A track that cannot be read is left out with a warning; the page is written regardless."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from pipeline_core import log
from player import page, sources


def s3_reader(s3: Any) -> sources.Reader:
    def read(bucket: str, key: str) -> bytes | None:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as err:
            log.warning("subtitle track left out of the player", bucket=bucket, key=key, error=str(err))
            return None

    return read


def render_bucket_copy(manifest: dict[str, Any], image_bucket: str, s3: Any) -> str:
    tracks = sources.read_tracks(manifest, image_bucket, s3_reader(s3))
    return page.render_player(manifest, tracks, page.bucket_links(manifest))
