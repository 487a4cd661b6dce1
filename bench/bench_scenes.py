"""Parse + split time and peak memory for a synthetic 4-hour transcript, the longest Transcribe accepts.

    .venv/bin/python bench/bench_scenes.py [--hours 4] [--repeat 5]

Goal: at most 1 s and 200 MB for parsing and splitting, so the image function's own work stays negligible next to the
image calls even at the limit. The transcript is the newer layout (item ids, audio_segments, two speakers) with
~150 words a minute; the SRT has the cues Transcribe would write for it. Time is the best of --repeat runs; memory is
the peak of Python allocations (tracemalloc) during one run, on top of the input bytes already in memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

from illustrate_scenes.plan import PlanOptions, SourceFile, build_plan
from illustrate_scenes.scenes import split_scenes, units_from_cues, units_from_segments, units_from_words
from illustrate_scenes.subtitles import parse_srt
from illustrate_scenes.transcript import parse_transcript

WORDS = ("the", "harbour", "light", "keeper", "boat", "market", "stone", "castle", "forest", "island", "tower", "storm")
GOAL_SECONDS = 1.0
GOAL_MB = 200


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    whole, millis = divmod(millis, 1000)
    minutes, whole = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


def synthetic_transcript(hours: float, seed: int = 1) -> tuple[bytes, str]:
    """(Transcribe JSON, SRT) for `hours` of two people talking: sentences of 6-18 words, short pauses."""
    rng = random.Random(seed)
    items: list[dict] = []
    segments: list[dict] = []
    cues: list[str] = []
    t = 0.5
    end_of_audio = hours * 3600
    speaker = "spk_0"
    while t < end_of_audio - 10:
        if rng.random() < 0.3:
            speaker = "spk_1" if speaker == "spk_0" else "spk_0"
        sentence_start = t
        ids: list[int] = []
        words: list[str] = []
        cue_words: list[str] = []
        cue_start = t
        length = rng.randint(6, 18)
        for position in range(length):
            word = rng.choice(WORDS)
            duration = 0.25 + rng.random() * 0.2
            items.append(
                {
                    "id": len(items),
                    "type": "pronunciation",
                    "alternatives": [{"confidence": "0.987", "content": word}],
                    "start_time": f"{t:.3f}",
                    "end_time": f"{t + duration:.3f}",
                    "speaker_label": speaker,
                }
            )
            ids.append(len(items) - 1)
            t += duration
            last = position == length - 1
            text = word + ("." if last else "")
            if last:
                items.append(
                    {
                        "id": len(items),
                        "type": "punctuation",
                        "alternatives": [{"confidence": "0.0", "content": "."}],
                        "speaker_label": speaker,
                    }
                )
                ids.append(len(items) - 1)
            words.append(text)
            cue_words.append(text)
            if len(cue_words) == 8 or last:
                cues.append(f"{len(cues) + 1}\n{_stamp(cue_start, ',')} --> {_stamp(t, ',')}\n{' '.join(cue_words)}\n")
                cue_words = []
                cue_start = t + 0.05
            t += 0.05
        segments.append(
            {
                "id": len(segments),
                "transcript": " ".join(words),
                "start_time": f"{sentence_start:.3f}",
                "end_time": f"{t:.3f}",
                "speaker_label": speaker,
                "items": ids,
            }
        )
        t += 0.2 + rng.random() * 0.8
    document = {
        "jobName": "bench-4h",
        "accountId": "111122223333",
        "status": "COMPLETED",
        "results": {
            "transcripts": [{"transcript": " ".join(s["transcript"] for s in segments)}],
            "speaker_labels": {"channel_label": "ch_0", "speakers": 2, "segments": []},
            "items": items,
            "audio_segments": segments,
            "language_code": "en-US",
        },
    }
    return json.dumps(document).encode(), "\n".join(cues)


def best_time(step: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append(time.perf_counter() - started)
    return min(timings)


def peak_mb(step: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    transcript, srt = synthetic_transcript(args.hours)
    words = transcript.count(b'"pronunciation"')
    print(
        f"synthetic transcript: {args.hours:g} h, {words} words, JSON {len(transcript) / 1e6:.1f} MB, "
        f"SRT {len(srt.encode()) / 1e6:.1f} MB, {srt.count(' --> ')} cues"
    )
    steps: dict[str, Callable[[], object]] = {
        "JSON parse + split (segments), 10 scenes": lambda: split_scenes(
            units_from_segments(parse_transcript(transcript).segments), 30, 10
        ),
        "JSON parse + split (words), 10 scenes": lambda: split_scenes(
            units_from_words(parse_transcript(transcript).words), 30, 10
        ),
        "SRT parse + split, 10 scenes": lambda: split_scenes(units_from_cues(parse_srt(srt)), 30, 10),
        "SRT parse + split, 480 scenes (30 s each)": lambda: split_scenes(units_from_cues(parse_srt(srt)), 30, 480),
        "full plan (JSON + SRT + prompts), 10 scenes": lambda: build_plan(
            "bench-4h",
            PlanOptions(scene_seconds=30, max_images=10),
            transcript=SourceFile("t.json", transcript),
            srt=SourceFile("t.srt", srt),
        ),
    }
    print(f"{'step':<46} {'time (best of ' + str(args.repeat) + ')':>20} {'peak Python memory':>20}")
    worst_time = worst_memory = 0.0
    for name, step in steps.items():
        seconds = best_time(step, args.repeat)
        memory = peak_mb(step)
        worst_time, worst_memory = max(worst_time, seconds), max(worst_memory, memory)
        print(f"{name:<46} {seconds:>18.3f} s {memory:>17.1f} MB")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"process peak RSS over the whole run (input included): {rss_mb:.0f} MB")
    verdict = "met" if worst_time <= GOAL_SECONDS and worst_memory <= GOAL_MB else "NOT met"
    print(f"goal <= {GOAL_SECONDS:g} s and <= {GOAL_MB} MB per step: {verdict}")


if __name__ == "__main__":
    main()
