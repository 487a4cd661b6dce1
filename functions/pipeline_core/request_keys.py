"""The `/{folder}/{object}` path of the upload API, checked alike by every route that takes it.

The presign function (POST) and the results function (GET) apply the same rules, so a name one accepts the other
accepts too: one path segment each, no dot segments, at most 1024 bytes of key, a format Amazon Transcribe takes, in
a case the audio bucket's notification matches.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from pipeline_core import naming
from pipeline_core.contract import CONTRACT

MAX_KEY_BYTES = 1024  # S3 object keys: at most 1024 bytes of UTF-8


class InvalidRequest(ValueError):
    """The request is refused; the message names the field and says what was expected (HTTP 400)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def mixed_case_hint(name: str) -> str | None:
    """Why `name` would be stored but never transcribed although its format is accepted, or None.

    The audio bucket's notification filters on each format's suffix in lower and in upper case only
    (contract.audio_suffixes(); S3 suffix filters are case-sensitive), so 'Talk.Mp3' starts nothing.
    """
    media_format = naming.media_format(name)
    if media_format is None or name.endswith(tuple(CONTRACT.audio_suffixes())):
        return None
    stem, _, extension = name.rpartition(".")
    return (
        f"the extension '.{extension}' mixes upper and lower case, and the audio bucket's notification matches only "
        f"'.{media_format}' and '.{media_format.upper()}' (S3 suffix filters are case-sensitive), so the file would be "
        f"stored but never transcribed; rename it to '{stem}.{media_format}'"
    )


def check_key(folder: str, name: str) -> str:
    """The media format of `{folder}/{name}`; InvalidRequest when the key could not be transcribed or stored."""
    for field, segment in (("folder", folder), ("object", name)):
        if not segment:
            raise InvalidRequest(field, "must not be empty (the path is /{folder}/{object})")
        if "/" in segment:
            raise InvalidRequest(field, f"{segment!r} must be one path segment, without '/'")
        if segment in (".", ".."):
            # HTTP clients resolve dot segments in a URL path: the presigned URL would point somewhere else.
            raise InvalidRequest(field, f"{segment!r} is not a usable name (dot segment)")
    key_bytes = len(f"{folder}/{name}".encode())
    if key_bytes > MAX_KEY_BYTES:
        raise InvalidRequest("object", f"the key has {key_bytes} bytes of UTF-8; S3 allows at most {MAX_KEY_BYTES}")
    media_format = naming.media_format(name)
    if media_format is None:
        accepted = ", ".join(f".{fmt}" for fmt in sorted(CONTRACT.media_formats))
        extension = f"'.{name.rpartition('.')[2]}'" if "." in name else "no extension"
        raise InvalidRequest(
            "object",
            f"{name!r} has {extension}; Amazon Transcribe accepts {accepted} (all lower or all upper case)",
        )
    hint = mixed_case_hint(name)
    if hint is not None:
        raise InvalidRequest("object", f"{name!r}: {hint}")
    return media_format


def decode_segment(field: str, raw: Any) -> str:
    """A path parameter as the key uses it: percent-decoded once, as the PUT's integration turns the path into the key.

    A REST API's proxy event carries path parameters as sent. Should one ever arrive decoded, only a name holding a
    literal '%xx' would come out different, and the answer's `key` shows it: scripts/client.py then uploads nothing.
    """
    if not isinstance(raw, str) or not raw:
        raise InvalidRequest(field, "missing path segment (the path is /{folder}/{object})")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidRequest(field, "is not valid UTF-8 once percent-decoded") from None


def path_segments(event: Any) -> tuple[str, str]:
    """(folder, name) of a REST proxy event for /{folder}/{object}, each decoded once; InvalidRequest names the field
    at fault."""
    if not isinstance(event, dict):
        raise InvalidRequest("event", "expected an API Gateway proxy event")
    parameters = event.get("pathParameters") or {}
    return decode_segment("folder", parameters.get("folder")), decode_segment("object", parameters.get("object"))
