"""Prompt planning for the synthetic 4-hour transcript: time without the model's latency, and Converse calls per file.

    .venv/bin/python bench/bench_prompt_director.py [--hours 4] [--repeat 5]

Goals: planning the prompts (director requests, reply validation, look + style per prompt, fallbacks) takes at most
0.2 s for the whole file, and the director costs one Converse call per 40 scenes or fewer. The director is a fake that
answers at once with a valid reply for the scenes it was sent (model latency excluded; on AWS it adds seconds per
call). Scene counts: the module's default cap (10 images), and 480 (30 s scenes over 4 h). Time is the best of
--repeat runs; the transcript's plan (parsing, scenes) is built once beforehand and not timed here (bench_scenes.py).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scenes import synthetic_transcript

from illustrate_scenes.director import CHUNK_SCENES
from illustrate_scenes.image_models import model_for
from illustrate_scenes.plan import PlanOptions, SourceFile, build_plan
from illustrate_scenes.scene_prompts import plan_prompts
from pipeline_core.models import CATALOGUE

GOAL_SECONDS = 0.2
LOOK = {"style": "ink and watercolour", "palette": "sea blue, sand", "setting": "a harbour town", "subjects": []}


class InstantDirector:
    """Converse that answers at once, like a model with no latency, with one prompt per scene it was sent."""

    def __init__(self) -> None:
        self.calls = 0

    def converse(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        sent = json.loads(request["messages"][0]["content"][0]["text"])["scenes"]
        prompts = [{"index": s["index"], "prompt": "A harbour scene: " + s["text"][:300]} for s in sent]
        text = json.dumps({"look": LOOK, "scenes": prompts})
        return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn"}


class InstantTranslate:
    def __init__(self) -> None:
        self.calls = 0

    def translate_text(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        return {"TranslatedText": request["Text"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    transcript, srt = synthetic_transcript(args.hours)
    model = model_for(CATALOGUE.default_image_model)
    director_model = CATALOGUE.default_prompt_model
    print(f"synthetic transcript: {args.hours:g} h; image model {model.model_id}; director {director_model}")
    timed = f"time (best of {args.repeat})"
    print(f"{'case':<44} {'scenes':>6} {'Converse calls':>15} {'goal calls':>10} {timed:>20}")
    worst = 0.0
    calls_met = True
    for label, max_images, director, language in (
        ("director, default cap", 10, director_model, "en-US"),
        ("director, 30 s scenes over the whole file", 480, director_model, "en-US"),
        ("director off, Korean -> Translate", 480, None, "ko-KR"),
    ):
        plan = build_plan(
            "bench-4h",
            PlanOptions(model=model, scene_seconds=30, max_images=max_images),
            transcript=SourceFile("t.json", transcript),
            srt=SourceFile("t.srt", srt),
        )
        timings = []
        calls = 0
        for _ in range(args.repeat):
            bedrock, translate = InstantDirector(), InstantTranslate()
            started = time.perf_counter()
            result = plan_prompts(
                plan.scenes,
                model=model,
                style="",
                language_code=language,
                prompt_model_id=director,
                bedrock=bedrock,
                translate=translate,
                describe_error=str,
            )
            timings.append(time.perf_counter() - started)
            calls = bedrock.calls
            assert len(result.prompts) == len(plan.scenes)
        goal_calls = math.ceil(len(plan.scenes) / CHUNK_SCENES) if director else 0
        calls_met &= calls <= goal_calls
        seconds = min(timings)
        worst = max(worst, seconds)
        print(f"{label:<44} {len(plan.scenes):>6} {calls:>15} {goal_calls:>10} {seconds:>18.4f} s")
    verdict = "met" if worst <= GOAL_SECONDS and calls_met else "NOT met"
    print(f"goal <= {GOAL_SECONDS:g} s per file and <= 1 Converse call per {CHUNK_SCENES} scenes: {verdict}")


if __name__ == "__main__":
    main()
