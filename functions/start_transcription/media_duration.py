"""The length of an audio file from a few kilobytes of it: the container's own header, never the decoded audio.

`measure` reads at most two ranges of at most 64 KB each through the `read(start, length)` function it is given (the
handler passes ranged S3 GETs; tests pass a slice of bytes), so it costs the same for a 10 s clip and a 2 GB file:

  wav   RIFF/RF64: data chunk size / the fmt chunk's byte rate
  flac  STREAMINFO: total samples / sample rate
  mp3   first frame header; Xing/Info or VBRI frame count when present, else the constant-bitrate estimate
        (audio bytes x 8 / bitrate); a leading ID3v2 tag is skipped, even one longer than 64 KB
  ogg   granule position of the last page (the tail) / sample rate of the Vorbis, Opus (48 kHz), Speex or FLAC stream
  mp4   mvhd duration / timescale (m4a too); a moov box after the media data is read where the box walk finds it
  amr   frame count (20 ms each) from the frame sizes of the mode(s) in use
  webm  Segment Info Duration x TimecodeScale (Matroska too); absent in live recordings, and then unknown

The bytes decide the container (a WAV file named .mp3 is measured as WAV); the file extension only picks the reader
for raw MPEG audio, which has no signature. Whatever cannot be read, truncated, garbage or a layout not covered here
gives `seconds=None` with the reason, never an exception: the caller lets Amazon Transcribe decide then.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

CHUNK = 64 * 1024  # bytes per read
MAX_READS = 2
# Longer than anything Amazon Transcribe takes (4 h) by far; a larger figure is a misread header, not audio.
_PLAUSIBLE_SECONDS = 1e6

Reader = Callable[[int, int], bytes]  # (start, length) -> at most `length` bytes from `start`


@dataclass(frozen=True)
class Measurement:
    seconds: float | None  # None: unknown
    container: str | None  # what the bytes are (wav, mp3, ...), None when not recognised
    method: str  # how the length was found, or why it could not be


class _Unknown(Exception):
    """The length cannot be read from this file; the message says why."""


class _Source:
    """The object's bytes as far as the read budget reaches: the head, and one more range wherever a reader asks."""

    def __init__(self, size: int, read: Reader) -> None:
        self.size = size
        self._read = read
        self._chunks: list[tuple[int, bytes]] = []
        self.head = self._fetch(0)

    def _fetch(self, start: int) -> bytes:
        length = min(CHUNK, self.size - start)
        data = bytes(self._read(start, length))[:length]
        self._chunks.append((start, data))
        return data

    def get(self, start: int, length: int) -> bytes:
        """`length` bytes from `start` (fewer at the end of the file); raises _Unknown when they are out of reach."""
        end = min(start + length, self.size)
        if start < 0 or start >= end:
            raise _Unknown(f"the file ends before byte {start}")
        for chunk_start, data in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(data):
                return data[start - chunk_start : end - chunk_start]
        if len(self._chunks) >= MAX_READS or end - start > CHUNK:
            raise _Unknown(f"the header continues at byte {start}, beyond what is read ({MAX_READS} x 64 KB)")
        data = self._fetch(start)
        if len(data) < end - start:
            raise _Unknown(f"the file ends before byte {end}")
        return data[: end - start]

    def tail(self) -> tuple[int, bytes]:
        start = max(0, self.size - CHUNK)
        return start, self.get(start, self.size - start)


def _u16le(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "little")


def _u32le(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def _u32be(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _need(data: bytes, length: int, what: str) -> bytes:
    if len(data) < length:
        raise _Unknown(f"truncated {what}")
    return data


def _id3v2_end(data: bytes, at: int = 0) -> int:
    """Offset just past the ID3v2 tag at `at` (tags in a row are skipped too), or `at` when there is none."""
    while data[at : at + 3] == b"ID3" and len(data) >= at + 10:
        size = 0
        for byte in data[at + 6 : at + 10]:  # "syncsafe": 7 bits a byte
            size = (size << 7) | (byte & 0x7F)
        at += 10 + size + (10 if data[at + 5] & 0x10 else 0)
    return at


# --- WAV --------------------------------------------------------------------------------------------------------------


def _wav(src: _Source) -> tuple[float, str]:
    head = _need(src.head, 12, "RIFF header")
    if head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise _Unknown("not a RIFF WAVE file")
    byte_rate = 0
    long_data_size: int | None = None  # RF64 keeps sizes over 4 GB in its ds64 chunk
    position = 12
    for _ in range(64):
        header = _need(src.get(position, 8), 8, "RIFF chunk header")
        chunk_id, chunk_size = header[:4], _u32le(header, 4)
        if chunk_id == b"ds64":
            long_data_size = int.from_bytes(_need(src.get(position + 8, 16), 16, "ds64 chunk")[8:16], "little")
        elif chunk_id == b"fmt ":
            byte_rate = _u32le(_need(src.get(position + 8, 12), 12, "fmt chunk"), 8)  # nAvgBytesPerSec
        elif chunk_id == b"data":
            if not byte_rate:
                raise _Unknown("the fmt chunk is missing or gives no byte rate")
            if chunk_size == 0xFFFFFFFF and long_data_size is not None:
                chunk_size = long_data_size
            available = src.size - (position + 8)
            # 0 or 0xFFFFFFFF: a writer that never went back to fill the size in (streamed); larger than the file:
            # truncated. Either way the bytes that are there are what Transcribe gets.
            if chunk_size in (0, 0xFFFFFFFF) or chunk_size > available:
                chunk_size = available
            return chunk_size / byte_rate, "RIFF data chunk size / fmt byte rate"
        position += 8 + chunk_size + (chunk_size & 1)
    raise _Unknown("no data chunk among the first 64 RIFF chunks")


# --- FLAC -------------------------------------------------------------------------------------------------------------


def _streaminfo(block: bytes) -> tuple[int, int]:
    """(sample rate, total samples) of a 34-byte FLAC STREAMINFO block."""
    fields = int.from_bytes(_need(block, 18, "STREAMINFO")[10:18], "big")
    return fields >> 44, fields & ((1 << 36) - 1)  # 20 bits rate, 3 channels, 5 bits per sample, 36 samples


def _flac(src: _Source) -> tuple[float, str]:
    start = _id3v2_end(src.head)
    data = _need(src.get(start, 42), 42, "FLAC header")
    if data[:4] != b"fLaC":
        raise _Unknown("not a FLAC stream")
    if data[4] & 0x7F != 0:
        raise _Unknown("the first FLAC metadata block is not STREAMINFO")
    rate, samples = _streaminfo(data[8:42])
    if not rate or not samples:
        raise _Unknown("STREAMINFO leaves the total number of samples open")
    return samples / rate, "FLAC STREAMINFO total samples / sample rate"


# --- MPEG audio (mp3) -------------------------------------------------------------------------------------------------

_MPEG1, _MPEG2, _MPEG25 = 3, 2, 0  # version bits
_LAYER3, _LAYER2, _LAYER1 = 1, 2, 3  # layer bits
_RATES = {_MPEG1: (44100, 48000, 32000), _MPEG2: (22050, 24000, 16000), _MPEG25: (11025, 12000, 8000)}
_MP3_WINDOW = 8 * 1024  # enough bytes after a tag to find a frame and confirm it with the next two
_KBPS = {
    (True, _LAYER1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, _LAYER2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, _LAYER3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, _LAYER1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, _LAYER2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, _LAYER3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


@dataclass(frozen=True)
class _Frame:
    version: int
    layer: int
    bitrate: int  # bit/s
    sample_rate: int
    mono: bool
    length: int  # bytes, header included

    @property
    def samples(self) -> int:
        if self.layer == _LAYER1:
            return 384
        return 576 if self.layer == _LAYER3 and self.version != _MPEG1 else 1152

    def same_stream(self, other: _Frame) -> bool:
        return (self.version, self.layer, self.sample_rate) == (other.version, other.layer, other.sample_rate)


def _frame(data: bytes, at: int) -> _Frame | None:
    """The MPEG audio frame header at `at`, or None (no sync, reserved values, free-format bitrate)."""
    if at + 4 > len(data):
        return None
    header = _u32be(data, at)
    version, layer = (header >> 19) & 3, (header >> 17) & 3
    bitrate_index, rate_index = (header >> 12) & 15, (header >> 10) & 3
    if header >> 21 != 0x7FF or version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _KBPS[(version == _MPEG1, layer)][bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    padding = (header >> 9) & 1
    if layer == _LAYER1:
        length = (12 * bitrate // rate + padding) * 4
    else:
        length = (144 if layer == _LAYER2 or version == _MPEG1 else 72) * bitrate // rate + padding
    return _Frame(version, layer, bitrate, rate, (header >> 6) & 3 == 3, length)


def _first_frame(data: bytes, *, ends_file: bool) -> tuple[int, _Frame]:
    """The first frame header that the next two frames confirm: a lone 0xFFE sync in other data proves nothing. A
    frame whose successors run exactly to the end of the file (`ends_file`: `data` is the file's last byte) counts."""
    at = data.find(b"\xff")
    while 0 <= at < len(data) - 3:
        frame = _frame(data, at)
        if frame is not None:
            following, confirmations = at + frame.length, 0
            while confirmations < 2:
                successor = _frame(data, following)
                if successor is None or not frame.same_stream(successor):
                    break
                following += successor.length
                confirmations += 1
            if confirmations == 2 or (ends_file and following == len(data)):
                return at, frame
        at = data.find(b"\xff", at + 1)
    raise _Unknown("no MPEG audio frame header found")


def _mp3(src: _Source) -> tuple[float, str]:
    start = _id3v2_end(src.head)
    # A short tag leaves enough of the head to find the first frames in; a long one (cover art) needs a read after it.
    if start + _MP3_WINDOW <= len(src.head) or len(src.head) == src.size:
        window = src.head[start:]
    else:
        window = src.get(start, CHUNK)
    if window[:4] == b"fLaC":  # FLAC behind an ID3 tag
        return _flac(src)
    offset, frame = _first_frame(window, ends_file=start + len(window) == src.size)
    audio_bytes = src.size - (start + offset)
    data = window[offset : offset + frame.length]
    frames, source = 0, ""
    if frame.layer == _LAYER3:
        # The VBR header sits in the first frame, after the side information.
        side_info = (17 if frame.mono else 32) if frame.version == _MPEG1 else (9 if frame.mono else 17)
        tag = data[4 + side_info : 4 + side_info + 12]
        vbri = data[36:54]  # always 32 bytes after the header: "VBRI", version, delay, quality, bytes, frames
        if tag[:4] in (b"Xing", b"Info") and len(tag) == 12 and _u32be(tag, 4) & 1:
            frames, source = _u32be(tag, 8), tag[:4].decode()
        elif vbri[:4] == b"VBRI" and len(vbri) == 18:
            frames, source = _u32be(vbri, 14), "VBRI"
    if frames:
        # A frame count is only a claim: the bytes there last at least as long as at the highest bitrate the stream
        # may use, so a header that understates the length does not slip under the cap.
        shortest = audio_bytes * 8 / (max(_KBPS[(frame.version == _MPEG1, frame.layer)]) * 1000)
        counted = frames * frame.samples / frame.sample_rate
        if counted >= shortest:
            return counted, f"MPEG frame count from the {source} header"
        return shortest, f"audio bytes at the highest bitrate (the {source} header claims fewer frames)"
    return audio_bytes * 8 / frame.bitrate, "constant-bitrate estimate: audio bytes x 8 / bitrate of the first frame"


# --- Ogg --------------------------------------------------------------------------------------------------------------

_GRANULE_UNSET = 0xFFFFFFFFFFFFFFFF


def _ogg(src: _Source) -> tuple[float, str]:
    head = _need(src.head, 27, "Ogg page header")
    if head[:4] != b"OggS" or head[4] != 0:
        raise _Unknown("not an Ogg stream")
    serial = head[14:18]
    segments = head[26]
    table = _need(head, 27 + segments, "Ogg segment table")[27 : 27 + segments]
    packet = head[27 + segments : 27 + segments + sum(table)]
    pre_skip = 0
    if packet.startswith(b"\x01vorbis"):
        codec, rate = "Vorbis", _u32le(_need(packet, 16, "Vorbis header"), 12)
    elif packet.startswith(b"OpusHead"):
        # Opus granule positions count 48 kHz samples whatever the input rate was; pre-skip samples are not audio.
        codec, rate, pre_skip = "Opus", 48000, _u16le(_need(packet, 12, "Opus header"), 10)
    elif packet.startswith(b"Speex   "):
        codec, rate = "Speex", _u32le(_need(packet, 40, "Speex header"), 36)
    elif packet.startswith(b"\x7fFLAC") and packet[9:13] == b"fLaC":
        codec, (rate, _) = "FLAC", _streaminfo(_need(packet, 51, "Ogg FLAC header")[17:51])
    else:
        raise _Unknown("the Ogg stream is not Vorbis, Opus, Speex or FLAC")
    if not rate:
        raise _Unknown(f"the {codec} header gives no sample rate")
    tail_start, tail = src.tail()
    at = tail.rfind(b"OggS")
    while at >= 0:
        page = tail[at : at + 27]
        if len(page) == 27 and page[4] == 0 and page[14:18] == serial:
            granule = int.from_bytes(page[6:14], "little")
            if granule != _GRANULE_UNSET:
                if granule < pre_skip:
                    raise _Unknown("the last Ogg page ends before the audio starts")
                return (granule - pre_skip) / rate, f"Ogg last granule position / {codec} sample rate"
        at = tail.rfind(b"OggS", 0, at)
    raise _Unknown(f"no Ogg page of the stream in the last {len(tail)} bytes (from byte {tail_start})")


# --- MP4 / M4A --------------------------------------------------------------------------------------------------------


def _box(data: bytes, at: int, limit: int) -> tuple[bytes, int, int]:
    """(type, header length, box length) of the ISO BMFF box at `at`; a size of 0 runs to `limit`."""
    header = _need(data[at : at + 16], 8, "MP4 box header")
    size, kind = _u32be(header, 0), header[4:8]
    header_length = 8
    if size == 1:
        size, header_length = int.from_bytes(_need(header, 16, "MP4 box header")[8:16], "big"), 16
    elif size == 0:
        size = limit - at
    if size < header_length:
        raise _Unknown("malformed MP4 box")
    return kind, header_length, size


def _children(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """Box type -> (body offset, body end) of the boxes from `start` to `end` in `data` (first of each type)."""
    found: dict[bytes, tuple[int, int]] = {}
    at = start
    while at + 8 <= min(end, len(data)):
        kind, header_length, size = _box(data, at, end)
        found.setdefault(kind, (at + header_length, at + size))
        at += size
    return found


def _mp4(src: _Source) -> tuple[float, str]:
    position = 0
    for _ in range(64):
        if position >= src.size:
            break
        header = src.get(position, 16)
        kind, header_length, size = _box(header, 0, src.size - position)
        if kind == b"moov":
            # The movie box's first children (mvhd, usually first) are in the range just read or in the head.
            data = src.get(position, min(size, CHUNK))
            boxes = _children(data, header_length, size)
            if b"mvhd" not in boxes:
                raise _Unknown("no mvhd box at the start of the moov box")
            body_start, _ = boxes[b"mvhd"]
            mvhd = data[body_start:]
            if _need(mvhd, 1, "mvhd box")[0] == 1:
                timescale = _u32be(_need(mvhd, 32, "mvhd box"), 20)
                duration = int.from_bytes(mvhd[24:32], "big")
                unset = duration == 0xFFFFFFFFFFFFFFFF
            else:
                timescale, duration = _u32be(_need(mvhd, 20, "mvhd box"), 12), _u32be(mvhd, 16)
                unset = duration == 0xFFFFFFFF
            if not duration and b"mvex" in boxes:  # fragmented: the movie extends header may hold the length
                mvex_start, mvex_end = boxes[b"mvex"]
                mehd = _children(data, mvex_start, mvex_end).get(b"mehd")
                if mehd is not None:
                    body = data[mehd[0] : mehd[1]]
                    duration = int.from_bytes(body[4:12], "big") if body[:1] == b"\x01" else _u32be(body, 4)
            if not timescale or not duration or unset:
                raise _Unknown("the mvhd box gives no duration (a fragmented or live MP4)")
            return duration / timescale, "MP4 mvhd duration / timescale"
        position += size
    raise _Unknown("no moov box found")


# --- AMR --------------------------------------------------------------------------------------------------------------

# Bytes per frame, header byte included, by frame type (RFC 4867 section 5.3); 20 ms of audio each.
_AMR_NB = {0: 13, 1: 14, 2: 16, 3: 18, 4: 20, 5: 21, 6: 27, 7: 32, 8: 6, 15: 1}
_AMR_WB = {0: 18, 1: 24, 2: 33, 3: 37, 4: 41, 5: 47, 6: 51, 7: 59, 8: 61, 9: 6, 14: 1, 15: 1}
_AMR_FRAME_SECONDS = 0.02


def _amr(src: _Source) -> tuple[float, str]:
    head = src.head
    if head.startswith(b"#!AMR\n"):
        sizes, position = _AMR_NB, 6
    elif head.startswith(b"#!AMR-WB\n"):
        sizes, position = _AMR_WB, 9
    else:
        raise _Unknown("not a single-channel AMR file (#!AMR or #!AMR-WB)")
    start, frames = position, 0
    frame_sizes: set[int] = set()
    while position < len(head):
        toc = head[position]
        size = sizes.get((toc >> 3) & 15)
        if toc & 0x83 or size is None:  # F bit and padding must be 0; the frame type must exist
            raise _Unknown(f"invalid AMR frame header at byte {position}")
        if position + size > len(head):
            break
        position += size
        frames += 1
        frame_sizes.add(size)
    if not frames:
        raise _Unknown("no AMR frames")
    if len(head) == src.size:
        return frames * _AMR_FRAME_SECONDS, "AMR frame count x 20 ms"
    # Frame sizes depend on the mode (and silence frames are smaller), so beyond the head the count is estimated from
    # the mean size there; exact for a file in one mode without silence suppression.
    mean = (position - start) / frames
    method = "constant" if len(frame_sizes) == 1 else "mean"
    return (src.size - start) / mean * _AMR_FRAME_SECONDS, f"AMR frame count from the {method} frame size x 20 ms"


# --- WebM / Matroska --------------------------------------------------------------------------------------------------

_EBML, _SEGMENT, _INFO, _CLUSTER = 0x1A45DFA3, 0x18538067, 0x1549A966, 0x1F43B675
_TIMECODE_SCALE, _DURATION = 0x2AD7B1, 0x4489


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at `at`: (value or None for "unknown size", offset after it)."""
    first = _need(data[at : at + 1], 1, "EBML element")[0]
    if not first:
        raise _Unknown("invalid EBML variable-length integer")
    length = 9 - first.bit_length()
    raw = _need(data[at : at + length], length, "EBML element")
    value = int.from_bytes(raw, "big")
    if keep_marker:
        return value, at + length
    value &= (1 << (7 * length)) - 1
    return (None if value == (1 << (7 * length)) - 1 else value), at + length


def _element(data: bytes, at: int) -> tuple[int, int | None, int]:
    """(id, size or None, offset of the body) of the EBML element at `at`."""
    element_id, at = _vint(data, at, keep_marker=True)
    size, at = _vint(data, at, keep_marker=False)
    return element_id or 0, size, at


def _webm(src: _Source) -> tuple[float, str]:
    head = src.head
    element_id, size, body = _element(head, 0)
    if element_id != _EBML or size is None:
        raise _Unknown("not an EBML (WebM/Matroska) file")
    element_id, _, position = _element(head, body + size)
    if element_id != _SEGMENT:
        raise _Unknown("no Segment after the EBML header")
    for _ in range(64):
        element_id, size, body = _element(src.get(position, 16), 0)
        body += position
        if element_id == _CLUSTER:
            break
        if size is None:
            raise _Unknown("an element of unknown size before the Segment Info")
        if element_id == _INFO:
            info = src.get(body, min(size, CHUNK))
            scale, duration, at = 1_000_000, None, 0  # TimecodeScale defaults to 1 ms (in ns)
            while at < len(info):
                child, child_size, child_body = _element(info, at)
                if child_size is None:
                    break
                value = _need(info[child_body : child_body + child_size], child_size, "Segment Info")
                if child == _TIMECODE_SCALE:
                    scale = int.from_bytes(value, "big")
                elif child == _DURATION and child_size in (4, 8):
                    duration = struct.unpack(">f" if child_size == 4 else ">d", value)[0]
                at = child_body + child_size
            if duration is None:
                raise _Unknown("the Segment Info has no Duration (as in live recordings)")
            if not scale:
                raise _Unknown("the Segment Info has a TimecodeScale of 0")
            return duration * scale / 1e9, "WebM Segment Info Duration x TimecodeScale"
        position = body + size
    raise _Unknown("no Segment Info before the first Cluster")


# --- the dispatcher ---------------------------------------------------------------------------------------------------

_READERS: dict[str, Callable[[_Source], tuple[float, str]]] = {
    "wav": _wav,
    "flac": _flac,
    "mp3": _mp3,
    "ogg": _ogg,
    "mp4": _mp4,
    "amr": _amr,
    "webm": _webm,
}
_CONTAINER_OF_FORMAT = {"m4a": "mp4"}
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


_SIGNATURES: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("wav", lambda head: head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"),
    ("ogg", lambda head: head[:4] == b"OggS"),
    ("mp4", lambda head: head[4:8] in _MP4_BOXES),
    ("amr", lambda head: head.startswith(b"#!AMR")),
    ("webm", lambda head: head[:4] == _EBML.to_bytes(4, "big")),
    ("flac", lambda head: head[_id3v2_end(head) :][:4] == b"fLaC"),
    ("mp3", lambda head: head[:3] == b"ID3"),  # raw MPEG audio has no signature; a tag in front is the best hint
)


def sniff(head: bytes) -> str | None:
    """The container the bytes are, from their signature; None for raw MPEG audio and anything unknown."""
    return next((container for container, matches in _SIGNATURES if matches(head)), None)


_PARSE_ERRORS = (_Unknown, ValueError, IndexError, KeyError, struct.error, OverflowError, ZeroDivisionError)


def measure(size: int, read: Reader, media_format: str | None = None) -> Measurement:
    """The length of the `size`-byte object that `read` reads, with at most two reads of at most 64 KB.

    `media_format` (the file extension's Transcribe format) is only used when the bytes carry no signature.
    Exceptions raised by `read` propagate; nothing in the bytes makes this function raise.
    """
    if size <= 0:
        return Measurement(None, None, "the object is empty")
    source = _Source(size, read)
    if not source.head:
        return Measurement(None, None, "nothing could be read")
    container = sniff(source.head) or _CONTAINER_OF_FORMAT.get(media_format or "", media_format)
    reader = _READERS.get(container or "")
    if reader is None:
        return Measurement(None, None, "not a container whose length can be read")
    try:
        seconds, method = reader(source)
    except _PARSE_ERRORS as err:
        reason = str(err) if isinstance(err, _Unknown) else f"unreadable {container} header"
        return Measurement(None, container, reason)
    if not (math.isfinite(seconds) and 0 <= seconds < _PLAUSIBLE_SECONDS):
        return Measurement(None, container, f"implausible length {seconds!r} s read from the {container} header")
    return Measurement(seconds, container, method)
