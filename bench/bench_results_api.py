"""GET /{folder}/{object} on the local stack: latency of the JSON answer and of the ?format=html player, and the
player page's size (the bucket copy and the presigned copy).

    .venv/bin/python bench/bench_results_api.py [--repeat 50]

One upload of the demo's sample goes through the local pipeline; then the route is asked `--repeat` times per format
over HTTP on 127.0.0.1 (the results function's own code behind the upload API stand-in, S3 on moto). The numbers
include moto's S3 latency, which is not AWS's: they show the function's own cost and how it scales, not production.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT / "functions", ROOT / "scripts"):
    sys.path.insert(0, str(folder))

from local_stack.stack import LocalStack, StackOptions  # noqa: E402

from pipeline_core import naming  # noqa: E402

SAMPLE = ROOT / "demo" / "sample-talk.mp3"
KEY = "talks/bench-talk.mp3"


def get(url: str, api_key: str) -> tuple[float, bytes]:
    request = urllib.request.Request(url, headers={"x-api-key": api_key})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    options = StackOptions(name="bench", image_settings={"SCENE_SECONDS": "10", "MAX_IMAGES_PER_FILE": "4"})
    with LocalStack(options) as stack:
        request = urllib.request.Request(
            f"{stack.stage_url}/{KEY}", data=SAMPLE.read_bytes(), method="PUT", headers={"x-api-key": stack.api_key}
        )
        urllib.request.urlopen(request, timeout=60).close()
        stack.wait_until_idle(120)
        for answer_format, suffix in (("json", ""), ("html", "?format=html")):
            times, body = [], b""
            for _ in range(args.repeat):
                seconds, body = get(f"{stack.stage_url}/{KEY}{suffix}", stack.api_key)
                times.append(seconds * 1000)
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            print(
                f"GET {answer_format:<4} x{args.repeat}: median {statistics.median(times):6.1f} ms, "
                f"p95 {p95:6.1f} ms, max {times[-1]:6.1f} ms; answer {len(body)} bytes"
            )
        job = next(k for k in stack.list_keys(stack.buckets.image) if k.endswith("/manifest.json")).split("/")[0]
        bucket_copy = stack.s3.get_object(Bucket=stack.buckets.image, Key=naming.gallery_key(job))["Body"].read()
        print(f"player page, bucket copy (index.html, {SAMPLE.name}): {len(bucket_copy)} bytes without images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
