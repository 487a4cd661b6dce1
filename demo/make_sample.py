"""Regenerate the bundled sample talk and its Transcribe-format fixtures (needs espeak-ng and lame; the demo does not).

    apt-get install -y espeak-ng lame
    python3 demo/make_sample.py

Writes demo/sample-talk.mp3 and demo/fixtures/sample-talk.{json,srt,vtt}. Word times are exact at phrase level (each
phrase is synthesised alone and placed at a known offset) and apportioned inside a phrase by each word's length when
spoken alone, so the fixture agrees with the audio to within a few tens of milliseconds.
"""

from __future__ import annotations

import array
import hashlib
import json
import re
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEM = "sample-talk"
VOICE = ["-v", "en-us", "-s", "160"]
RATE = 22050  # espeak-ng's output rate
LEAD_IN, COMMA_PAUSE, SENTENCE_PAUSE, TAIL = 0.6, 0.22, 0.55, 1.0
SILENCE_THRESHOLD = 250  # of 32767: quieter samples at a phrase's edges count as silence
MAX_CUE_WORDS = 7

SENTENCES = [
    "Welcome to the harbor at dawn.",
    "Fishing boats drift out past the old stone lighthouse, while gulls circle above the quiet water.",
    "By noon, the market square is full of color, baskets of oranges, bright blue umbrellas, "
    "and a brass band playing by the fountain.",
    "In the afternoon, storm clouds roll in from the sea, and rain drums on the red tiled roofs.",
    "When night falls, the sky clears, and the lighthouse sweeps its beam across a sky full of stars.",
]


@dataclass
class Word:
    text: str  # without punctuation
    punctuation: str  # "", "," or "."
    start: float
    end: float


def synthesise(text: str, workdir: Path) -> array.array:
    out = workdir / "phrase.wav"
    subprocess.run(["espeak-ng", *VOICE, "-w", str(out), text], check=True)
    with wave.open(str(out)) as wav:
        if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) != (RATE, 2, 1):
            raise SystemExit(f"espeak-ng wrote an unexpected WAV format: {wav.getparams()}")
        samples = array.array("h", wav.readframes(wav.getnframes()))
    loud = [i for i, sample in enumerate(samples) if abs(sample) > SILENCE_THRESHOLD]
    return samples[loud[0] : loud[-1] + 1] if loud else array.array("h")


def build(workdir: Path) -> tuple[array.array, list[list[Word]]]:
    audio = array.array("h", bytes(2 * int(LEAD_IN * RATE)))
    sentences: list[list[Word]] = []
    for sentence in SENTENCES:
        words: list[Word] = []
        phrases = [p.strip() for p in re.split(r"(?<=,)", sentence) if p.strip()]
        for number, phrase in enumerate(phrases):
            samples = synthesise(phrase, workdir)
            start = len(audio) / RATE
            duration = len(samples) / RATE
            tokens = phrase.split()
            weights = [len(synthesise(re.sub(r"[.,]", "", token), workdir)) or 1 for token in tokens]
            offset = start
            for token, weight in zip(tokens, weights, strict=True):
                length = duration * weight / sum(weights)
                words.append(Word(token.rstrip(".,"), token[len(token.rstrip(".,")) :], offset, offset + length))
                offset += length
            audio.extend(samples)
            last = number == len(phrases) - 1
            audio.extend(array.array("h", bytes(2 * int((SENTENCE_PAUSE if last else COMMA_PAUSE) * RATE))))
        sentences.append(words)
    audio.extend(array.array("h", bytes(2 * int(TAIL * RATE))))
    return audio, sentences


def seconds(value: float) -> str:
    return f"{value:.3f}"


def confidence(index: int, word: str) -> str:
    digest = int(hashlib.sha256(f"{index}:{word}".encode()).hexdigest(), 16)
    return f"{0.93 + (digest % 700) / 10000:.4f}".rstrip("0")


def transcript_json(sentences: list[list[Word]]) -> dict:
    items: list[dict] = []
    segments: list[dict] = []
    for sentence in sentences:
        ids: list[int] = []
        for word in sentence:
            ids.append(len(items))
            items.append(
                {
                    "id": len(items),
                    "type": "pronunciation",
                    "alternatives": [{"confidence": confidence(len(items), word.text), "content": word.text}],
                    "start_time": seconds(word.start),
                    "end_time": seconds(word.end),
                }
            )
            if word.punctuation:
                ids.append(len(items))
                items.append(
                    {
                        "id": len(items),
                        "type": "punctuation",
                        "alternatives": [{"confidence": "0.0", "content": word.punctuation}],
                    }
                )
        segments.append(
            {
                "id": len(segments),
                "transcript": " ".join(w.text + w.punctuation for w in sentence),
                "start_time": seconds(sentence[0].start),
                "end_time": seconds(sentence[-1].end),
                "items": ids,
            }
        )
    text = " ".join(segment["transcript"] for segment in segments)
    # Newer Transcribe layout: status before results, item ids, audio_segments.
    return {
        "jobName": STEM,
        "accountId": "123456789012",
        "status": "COMPLETED",
        "results": {"transcripts": [{"transcript": text}], "items": items, "audio_segments": segments},
    }


def cues(sentences: list[list[Word]]) -> list[tuple[float, float, str]]:
    """Subtitle cues: a sentence split at commas, then into runs of at most MAX_CUE_WORDS words."""
    result = []
    for sentence in sentences:
        chunk: list[Word] = []
        for word in sentence:
            chunk.append(word)
            if word.punctuation or len(chunk) == MAX_CUE_WORDS:
                result.append((chunk[0].start, chunk[-1].end, " ".join(w.text + w.punctuation for w in chunk)))
                chunk = []
        if chunk:
            result.append((chunk[0].start, chunk[-1].end, " ".join(w.text + w.punctuation for w in chunk)))
    return result


def timestamp(value: float, separator: str) -> str:
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def subtitles(sentences: list[list[Word]], vtt: bool) -> str:
    lines = ["WEBVTT", ""] if vtt else []
    for index, (start, end, text) in enumerate(cues(sentences), start=1):
        separator = "." if vtt else ","
        lines += [str(index), f"{timestamp(start, separator)} --> {timestamp(end, separator)}", text, ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        audio, sentences = build(workdir)
        wav_path = workdir / f"{STEM}.wav"
        with wave.open(str(wav_path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(audio.tobytes())
        # 16 kHz mono at 32 kbit/s CBR: small enough to commit, within Transcribe's recommended sample rates.
        subprocess.run(
            ["lame", "--quiet", "-m", "m", "--resample", "16", "-b", "32", str(wav_path), str(HERE / f"{STEM}.mp3")],
            check=True,
        )
    fixtures = HERE / "fixtures"
    fixtures.mkdir(exist_ok=True)
    # Transcribe writes compact JSON.
    document = json.dumps(transcript_json(sentences), separators=(",", ":"))
    (fixtures / f"{STEM}.json").write_text(document, encoding="utf-8")
    (fixtures / f"{STEM}.srt").write_text(subtitles(sentences, vtt=False), encoding="utf-8")
    (fixtures / f"{STEM}.vtt").write_text(subtitles(sentences, vtt=True), encoding="utf-8")
    print(f"audio {len(audio) / RATE:.2f} s, last word ends at {sentences[-1][-1].end:.2f} s")


if __name__ == "__main__":
    main()
