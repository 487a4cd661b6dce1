"""The local recognizer (Whisper base, faster-whisper int8 on the CPU): model load time, real-time factor and peak
memory, on the bundled 31.6 s sample and on a 10-minute file made of it.

    .venv/bin/python bench/bench_recognizer.py [--threads N] [--audio FILE --language ko-KR]

Each case runs in a fresh process, so its peak memory (ru_maxrss) is its own: imports, model and recognition. The
real-time factor is the whole job's time (decode, recognize, write Transcribe's JSON and subtitles) over the audio's
length. Goals: RTF <= 0.3 and <= 1.5 GB on 2 cores. Timings depend on what else runs: the load average is printed
next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "scripts")]

SAMPLE = ROOT / "demo" / "sample-talk.mp3"
LONG_SECONDS = 600
GOAL_RTF = 0.3
GOAL_MB = 1536


def long_file(target: Path, seconds: int = LONG_SECONDS) -> Path:
    """The sample repeated to `seconds` of 16 kHz mono 16-bit WAV."""
    from faster_whisper.audio import decode_audio

    samples = decode_audio(str(SAMPLE), sampling_rate=16_000)
    repeats = -(-seconds * 16_000 // len(samples))
    pcm = (samples * 32767).clip(-32768, 32767).astype("<i2").tobytes() * repeats
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm[: seconds * 16_000 * 2])
    return target


def one_case(audio: Path, language: str, threads: int | None) -> dict[str, float | int | str]:
    """Runs in the child process: load, then one job, as the Transcribe stand-in runs it."""
    started = time.monotonic()
    from local_stack.recognizer import SAMPLE_RATE, WhisperRecognizer, decode, job_output

    imported = time.monotonic() - started
    recognizer = WhisperRecognizer(cpu_threads=threads)
    recognizer.load()
    job = {"TranscriptionJobName": "bench", **({"LanguageCode": language} if language else {"IdentifyLanguage": True})}
    media = audio.read_bytes()
    job_started = time.monotonic()
    output = job_output(recognizer, job, media)
    seconds = time.monotonic() - job_started
    document = json.loads(output.transcript) if isinstance(output.transcript, bytes) and output.transcript else {}
    items = document.get("results", {}).get("items", [])
    words = [i["alternatives"][0]["content"] for i in items if i["type"] == "pronunciation"]
    duration = len(decode(media)) / SAMPLE_RATE  # after the timed job
    return {
        "import_s": imported,
        "load_s": recognizer.load_seconds or 0.0,
        "job_s": seconds,
        "audio_s": duration,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "words": len(words),
        "first_words": " ".join(words[:12]),
        "status": output.failure_reason or output.name,
    }


def run_case(label: str, audio: Path, language: str, threads: int | None, length: float | None) -> None:
    command = [sys.executable, __file__, "--child", str(audio), "--language", language]
    if threads:
        command += ["--threads", str(threads)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{label}: failed\n{done.stderr.strip()}")
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    audio_s = length or float(result["audio_s"])
    rtf = float(result["job_s"]) / audio_s if audio_s else float("nan")
    print(f"{label}  ({audio_s:.1f} s of audio; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print(f"  import the recognizer module              {result['import_s']:7.2f} s")
    print(f"  model load (faster-whisper, sha256, int8){result['load_s']:7.2f} s")
    print(f"  job (decode, recognize, write)            {result['job_s']:7.2f} s   RTF {rtf:.3f}  (goal <= {GOAL_RTF})")
    print(f"  peak memory of the process                {result['peak_mb']:7.0f} MB  (goal <= {GOAL_MB} MB)")
    print(f"  words: {result['words']}; first: {result['first_words']}")
    print(f"  {result['status']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="CTranslate2 threads (default: up to 4)")
    parser.add_argument("--audio", type=Path, help="also measure this file")
    parser.add_argument("--language", default="en-US", help="its Transcribe language code; empty: identify")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_case(args.child, args.language, args.threads)))
        return 0
    print(f"{os.cpu_count()} CPUs on this machine, shared with whatever else runs (see the load averages)")
    from local_stack.media import mp3_duration_seconds

    run_case("bundled sample", SAMPLE, "en-US", args.threads, mp3_duration_seconds(SAMPLE.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        run_case("10-minute file (the sample repeated)", long_file(Path(tmp) / "long.wav"), "en-US", args.threads, None)
    if args.audio:
        run_case(str(args.audio), args.audio, args.language, args.threads, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
