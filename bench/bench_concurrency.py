"""Image-function wall time for 8 scenes against a fake model with 0.5 s latency: sequential vs concurrency 4.

    .venv/bin/python bench/bench_concurrency.py [--latency 0.5] [--repeat 3]

The whole handler runs (S3 reads and writes on moto, planning, gallery, manifest); only bedrock-runtime is replaced,
through pipeline_core.aws.override, by a stand-in that sleeps and returns a Stability-shaped response (the prompt
director is off). The ideal speedup is 4x (two rounds of four calls instead of eight calls); the goal is at least 3.6x.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import boto3
from bench_scenes import synthetic_transcript
from fake_images import tiny_png
from moto import mock_aws

from illustrate_scenes import handler as handler_module
from pipeline_core import aws, naming

SCENES = 8
GOAL_SPEEDUP = 3.6
TRANSCRIPT_BUCKET, IMAGE_BUCKET = "bench-transcripts", "bench-images"


class SlowModel:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        image = base64.b64encode(tiny_png()).decode()
        self.body = json.dumps({"seeds": [1], "finish_reasons": [None], "images": [image]}).encode()

    def invoke_model(self, **_: Any) -> dict[str, Any]:
        time.sleep(self.latency)
        return {"body": io.BytesIO(self.body), "contentType": "application/json"}


def run_once(s3: Any, job: str, transcript: bytes, srt: str, concurrency: int) -> float:
    os.environ["IMAGE_CONCURRENCY"] = str(concurrency)
    handler_module.current_settings.cache_clear()
    s3.put_object(Bucket=TRANSCRIPT_BUCKET, Key=naming.subtitle_key(job, "srt"), Body=srt.encode())
    etag = s3.put_object(Bucket=TRANSCRIPT_BUCKET, Key=naming.transcript_key(job), Body=transcript)["ETag"].strip('"')
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": TRANSCRIPT_BUCKET},
                    "object": {"key": naming.transcript_key(job), "eTag": etag, "size": len(transcript)},
                },
            }
        ]
    }
    started = time.perf_counter()
    handler_module.handler(event, None)
    elapsed = time.perf_counter() - started
    manifest = json.loads(s3.get_object(Bucket=IMAGE_BUCKET, Key=naming.manifest_key(job))["Body"].read())
    ok = manifest["counts"]["ok"]
    if ok != SCENES:
        raise SystemExit(f"expected {SCENES} illustrated scenes, the manifest says {ok}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "IMAGE_BUCKET": IMAGE_BUCKET,
            "SCENE_SECONDS": "30",
            "MAX_IMAGES_PER_FILE": str(SCENES),
            "LOG_LEVEL": "ERROR",
            # Image calls only: the prompt director's one call per file is measured in bench_prompt_director.py.
            "PROMPT_DIRECTOR": "false",
        }
    )
    transcript, srt = synthetic_transcript(hours=0.1)  # 6 minutes: 12 scenes of 30 s, capped at 8
    with mock_aws(), aws.override("bedrock-runtime", SlowModel(args.latency)):
        aws.reset_clients()
        s3 = boto3.client("s3")
        for bucket in (TRANSCRIPT_BUCKET, IMAGE_BUCKET):
            s3.create_bucket(Bucket=bucket)
        run_once(s3, "warm-up", transcript, srt, 4)  # clients, imports, moto's first requests
        timings: dict[int, list[float]] = {1: [], 4: []}
        for attempt in range(args.repeat):
            for concurrency, runs in timings.items():
                runs.append(run_once(s3, f"bench-c{concurrency}-{attempt}", transcript, srt, concurrency))
    sequential, concurrent = statistics.median(timings[1]), statistics.median(timings[4])
    print(f"{SCENES} scenes, fake model latency {args.latency:g} s, median of {args.repeat} handler invocations")
    print(f"IMAGE_CONCURRENCY=1: {sequential:.3f} s   (runs: {', '.join(f'{t:.3f}' for t in timings[1])})")
    print(f"IMAGE_CONCURRENCY=4: {concurrent:.3f} s   (runs: {', '.join(f'{t:.3f}' for t in timings[4])})")
    speedup = sequential / concurrent
    verdict = "met" if speedup >= GOAL_SPEEDUP else "NOT met"
    print(f"speedup {speedup:.2f}x (ideal 4.00x); goal >= {GOAL_SPEEDUP}x: {verdict}")


if __name__ == "__main__":
    main()
