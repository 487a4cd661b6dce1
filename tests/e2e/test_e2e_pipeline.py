"""One upload through the whole local pipeline: real handlers, real S3 events, the client following it."""

from __future__ import annotations

import io
import json
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import client
import pytest
from e2e_support import SAMPLE, WAIT_SECONDS, deployment_of, follow
from local_stack.media import duration_seconds
from local_stack.stack import LocalStack
from PIL import Image

from pipeline_core import naming

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_json(stack: LocalStack, bucket: str, key: str) -> dict:
    return json.loads(stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@dataclass(frozen=True)
class Run:
    uploaded: client.Uploaded
    followed: client.Followed
    out: Path
    files: list[Path]


@pytest.fixture(scope="module")
def run(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The sample talk uploaded through the API stand-in with the client, followed to the end and downloaded."""
    audio = client.check_file(SAMPLE)
    uploaded = client.upload(audio, stage_url=stack.stage_url, api_key=stack.api_key, folder="talks")
    followed = follow(stack, uploaded.key)
    out = tmp_path_factory.mktemp("results")
    files = client.download(stack.s3, deployment_of(stack), followed, out)
    stack.wait_until_idle(WAIT_SECONDS)
    return Run(uploaded, followed, out, files)


def test_one_upload_gives_transcript_subtitles_images_manifest_and_gallery(stack: LocalStack, run: Run) -> None:
    out, job = run.out, run.followed.job
    assert run.uploaded.status == 200

    transcript = json.loads((out / "transcript.json").read_text(encoding="utf-8"))
    assert transcript["jobName"] == job
    assert transcript["status"] == "COMPLETED"
    assert transcript["results"]["transcripts"][0]["transcript"]
    assert (out / "transcript.srt").read_text(encoding="utf-8").startswith("1\n")
    assert (out / "transcript.vtt").read_text(encoding="utf-8").startswith("WEBVTT")

    record = read_json(stack, stack.buckets.transcript, naming.job_record_key(job))
    assert record["audio_key"] == run.uploaded.key

    pngs = sorted(out.glob("*.png"))
    assert pngs, f"no PNG was downloaded into {out}"
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE), png.name
        Image.open(io.BytesIO(data)).verify()

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["job_name"] == job
    assert manifest["source_audio_key"] == run.uploaded.key
    length = duration_seconds(SAMPLE)
    assert length is not None
    scenes = sorted(manifest["scenes"], key=lambda scene: scene["index"])
    illustrated = [scene for scene in scenes if scene["status"] == "ok"]
    assert illustrated, manifest
    previous_end = 0.0
    image_keys = set(stack.list_keys(stack.buckets.image, naming.image_prefix(job)))
    for scene in scenes:
        assert previous_end <= scene["start"] < scene["end"] <= length, (scene, length)
        previous_end = scene["end"]
    for scene in illustrated:
        assert scene["image_key"] in image_keys
        assert (out / Path(scene["image_key"]).name).read_bytes().startswith(PNG_SIGNATURE)

    gallery = (out / "index.html").read_text(encoding="utf-8")
    for scene in illustrated:
        assert f'src="{urllib.parse.quote(Path(scene["image_key"]).name)}"' in gallery
    # The re-cut original and its Korean translation (SUBTITLE_LANGUAGES), next to the images.
    [original, korean] = manifest["subtitle_tracks"]
    assert (original["kind"], original["status"], korean["kind"], korean["status"]) == (
        "original",
        "ok",
        "translation",
        "ok",
    )
    for track in (original, korean):
        assert {track["srt_key"], track["vtt_key"]} <= image_keys
    assert manifest["subtitle_quality"]["cues"]["recut"] > 0
    assert manifest["subtitle_quality"]["translations"]["ko"]["profile"]["name"] == "korean"
    translated = stack.s3.get_object(Bucket=stack.buckets.image, Key=korean["vtt_key"])["Body"].read().decode()
    assert translated.startswith("WEBVTT")
    assert "[stand-in ko]" in translated
    assert all(r["SourceLanguageCode"] != "auto" for r in stack.translate_stand_in.calls)


def test_stand_ins_were_used_where_moto_stops_short(stack: LocalStack, run: Run) -> None:
    """Transcribe's output came from the Transcribe stand-in for the job the handler really started on the
    emulator, and each image from one Bedrock request in the model's own request shape."""
    assert run.followed.job in stack.job_names()
    assert stack.transcribe_stand_in is not None
    assert stack.bedrock_stand_in is not None
    assert run.followed.job in stack.transcribe_stand_in.written()
    requests = [call.request for call in stack.bedrock_stand_in.calls("invoke_model")]
    ok = [scene for scene in run.followed.manifest["scenes"] if scene["status"] == "ok"]
    assert len(requests) >= len(ok)
    # Stable Image Core, the default model: the Stability request shape, the aspect ratio asked for, png.
    assert all(
        (request["mode"], request["aspect_ratio"], request["output_format"]) == ("text-to-image", "16:9", "png")
        for request in requests
    )
    # The director, one Converse call for the file, gave every prompt and a look (clearly labelled by the stand-in).
    manifest = run.followed.manifest
    assert len(stack.bedrock_stand_in.calls("converse")) == 1
    assert manifest["look"]["style"].startswith("[stand-in]")
    assert {scene["prompt_source"] for scene in manifest["scenes"]} == {"director"}


def test_replaying_every_event_starts_no_job_and_writes_no_image(stack: LocalStack, run: Run) -> None:
    assert stack.dispatcher is not None
    assert stack.bedrock_stand_in is not None
    jobs_before = sorted(stack.job_names())
    writes_before = len(stack.image_writes.writes())
    images_before = stack.list_keys(stack.buckets.image)
    bedrock_before = len(stack.bedrock_stand_in.calls())
    invocations_before = len(stack.dispatcher.invocations())

    replayed = stack.replay_events()
    assert replayed >= 2  # at least the audio event and the transcript event of the run

    deadline = time.monotonic() + WAIT_SECONDS
    while len(stack.dispatcher.invocations()) < invocations_before + replayed:
        if time.monotonic() > deadline:
            pytest.fail(f"the {replayed} replayed events were not all delivered within {WAIT_SECONDS:.0f} s")
        time.sleep(0.05)
    stack.wait_until_idle(WAIT_SECONDS)

    repeated = stack.dispatcher.invocations()[invocations_before:]
    assert [i.error for i in repeated] == [None] * len(repeated)
    assert sorted(stack.job_names()) == jobs_before
    assert len(stack.image_writes.writes()) == writes_before
    assert stack.list_keys(stack.buckets.image) == images_before
    assert len(stack.bedrock_stand_in.calls()) == bedrock_before
    transcription = [i.result for i in repeated if i.function == "start_transcription"]
    assert transcription
    assert all(result["counts"]["started"] == 0 for result in transcription)
