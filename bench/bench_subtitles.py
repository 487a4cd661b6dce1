"""Re-cut time and extra memory of the subtitle writer on the synthetic 4-hour transcript of bench_scenes.py.

    .venv/bin/python bench/bench_subtitles.py [--hours 4] [--repeat 5]

Goal: at most 0.5 s and 100 MB on top of the parsed transcript for re-cutting its words into cues (Latin profile,
two speakers), plus the time to write the SRT and WebVTT text and the quality report against Transcribe's SRT.
Time is the best of --repeat runs; memory is the peak of Python allocations (tracemalloc) during one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scenes import best_time, peak_mb, synthetic_transcript

from illustrate_scenes.subtitle_tracks import timed_texts
from illustrate_scenes.subtitles import parse_srt
from illustrate_scenes.transcript import parse_transcript
from subtitle_writer import quality
from subtitle_writer.formats import to_srt, to_vtt
from subtitle_writer.profiles import load_profiles
from subtitle_writer.writer import recut

GOAL_SECONDS = 0.5
GOAL_MB = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data, srt = synthetic_transcript(args.hours)
    transcript = parse_transcript(data)
    theirs = timed_texts(parse_srt(srt))
    table = load_profiles()
    profile, rules = table.select("en-US"), table.break_rules("en-US")
    cues = recut(transcript.words, profile, rules)
    steps = {
        "re-cut words into cues": lambda: recut(transcript.words, profile, rules),
        "write SRT + WebVTT": lambda: (to_srt(cues), to_vtt(cues)),
        "quality report (both sides)": lambda: quality.report(cues, profile, theirs),
    }
    print(f"{args.hours:g} h transcript: {len(transcript.words)} words -> {len(cues)} cues")
    recut_seconds = recut_mb = 0.0
    for name, step in steps.items():
        seconds, megabytes = best_time(step, args.repeat), peak_mb(step)
        if name.startswith("re-cut"):
            recut_seconds, recut_mb = seconds, megabytes
        print(f"{name:30s} {seconds:7.3f} s  {megabytes:7.1f} MB")
    verdict = "met" if recut_seconds <= GOAL_SECONDS and recut_mb <= GOAL_MB else "NOT met"
    print(f"goal: re-cut <= {GOAL_SECONDS:g} s and <= {GOAL_MB} MB: {verdict}")


if __name__ == "__main__":
    main()
