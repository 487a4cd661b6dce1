"""The image function's Lambda handler against moto S3, with bedrock-runtime replaced through pipeline_core.aws."""

from __future__ import annotations

import base64
import copy
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from fake_images import tiny_png
from moto import mock_aws

from illustrate_scenes import handler as handler_module
from illustrate_scenes.handler import RecordsFailed, handler
from illustrate_scenes.subtitles import parse_srt, parse_vtt
from pipeline_core import aws, naming

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TRANSCRIPT_BUCKET = "transcript-bucket"
IMAGE_BUCKET = "image-bucket"
AUDIO_BUCKET = "audio-bucket"
AUDIO_KEY = "talks/harbour walk.mp3"
JOB = naming.job_name(AUDIO_BUCKET, AUDIO_KEY, "9b2cf535f27731c974343645a3985328")
BLOCKED = (
    "This request has been blocked by our content filters. Please adjust your text prompt to submit a new request."
)


PNG = tiny_png()


class FakeBedrock:
    """bedrock-runtime as far as the function uses it; responses shaped like the real models' (aws-facts.md 3, 4).

    Converse plays the prompt director: a valid JSON reply with a look and one prompt per scene it was sent (or
    `converse_text` instead), and a fixed softened prompt for a retry after a content filter.
    """

    class meta:
        region_name = "us-west-2"

    LOOK: ClassVar[dict[str, Any]] = {
        "style": "soft gouache",
        "palette": "sea blue and sand",
        "setting": "a harbour town",
        "subjects": [{"name": "the keeper", "description": "an old man in a grey coat"}],
    }

    def __init__(self, decide=None, converse_text: str | None = None) -> None:
        self.decide = decide or (lambda model_id, request: None)
        self.converse_text = converse_text
        self.invocations: list[dict[str, Any]] = []
        self.conversations: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def invoke_model(self, *, modelId: str, body: str, contentType: str, accept: str) -> dict[str, Any]:
        request = json.loads(body)
        with self.lock:
            self.invocations.append({"modelId": modelId, **request})
        decided = self.decide(modelId, request)
        if isinstance(decided, Exception):
            raise decided
        if decided is None:
            decided = {"seeds": [request["seed"]], "finish_reasons": [None], "images": [base64.b64encode(PNG).decode()]}
        return {"body": io.BytesIO(json.dumps(decided).encode()), "contentType": "application/json"}

    def converse(self, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.conversations.append(kwargs)
        system = kwargs["system"][0]["text"]
        text = self.converse_text
        if "content filter blocked" in system:
            text = "A gentle harbour at dusk, boats safely moored"
        elif text is None:
            sent = json.loads(kwargs["messages"][0]["content"][0]["text"])["scenes"]
            scenes = [{"index": s["index"], "prompt": f"An English picture of scene {s['index']}"} for s in sent]
            text = json.dumps({"look": self.LOOK, "scenes": scenes})
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1},
        }


def client_error(code: str, message: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "InvokeModel"
    )


@pytest.fixture
def s3(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto S3 with both buckets; fake credentials and region come from the shared `aws_env` fixture."""
    monkeypatch.setenv("IMAGE_BUCKET", IMAGE_BUCKET)
    monkeypatch.setenv("SCENE_SECONDS", "20")
    monkeypatch.setenv("IMAGE_CONCURRENCY", "3")
    for name in (
        "IMAGE_MODEL_ID",
        "PROMPT_MODEL_ID",
        "PROMPT_DIRECTOR",
        "BEDROCK_REGION",
        "MAX_IMAGES_PER_FILE",
        "IMAGE_STYLE",
        "IMAGE_ASPECT_RATIO",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        handler_module.current_settings.cache_clear()
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in (TRANSCRIPT_BUCKET, IMAGE_BUCKET):
            client.create_bucket(Bucket=bucket)
        yield client
    handler_module.current_settings.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    handler_module.current_settings.cache_clear()


def put(s3: Any, key: str, body: bytes | str, bucket: str = TRANSCRIPT_BUCKET) -> str:
    data = body.encode() if isinstance(body, str) else body
    return s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')


def upload_transcript(
    s3: Any, job: str = JOB, transcript: str = "handwritten_harbour_walk", subtitles: bool = True, record: bool = True
) -> str:
    if subtitles:
        put(s3, naming.subtitle_key(job, "srt"), (FIXTURES / f"{transcript}.srt").read_bytes())
        put(s3, naming.subtitle_key(job, "vtt"), (FIXTURES / f"{transcript}.vtt").read_bytes())
    if record:
        put(
            s3,
            naming.job_record_key(job),
            json.dumps({"audio_bucket": AUDIO_BUCKET, "audio_key": AUDIO_KEY, "job_name": job}),
        )
    return put(s3, naming.transcript_key(job), (FIXTURES / f"{transcript}.json").read_bytes())


def event(*objects: tuple[str, str], bucket: str = TRANSCRIPT_BUCKET) -> dict[str, Any]:
    """An S3 put event shaped like the documented sample, one record per (key, etag)."""
    template = json.loads((FIXTURES / "s3_event_put_lambda_docs.json").read_text())["Records"][0]
    records = []
    for key, etag in objects:
        record = copy.deepcopy(template)
        record["s3"]["bucket"]["name"] = bucket
        record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
        record["s3"]["object"].update(key=quote_plus(key), eTag=etag)
        records.append(record)
    return {"Records": records}


def read(s3: Any, key: str) -> tuple[bytes, str]:
    response = s3.get_object(Bucket=IMAGE_BUCKET, Key=key)
    return response["Body"].read(), response["ContentType"]


def image_keys(s3: Any) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=IMAGE_BUCKET).get("Contents", []))


def manifest(s3: Any, job: str = JOB) -> dict[str, Any]:
    body, content_type = read(s3, naming.manifest_key(job))
    assert content_type == "application/json"
    return json.loads(body)


def expected_scene_count() -> int:
    cues = parse_srt((FIXTURES / "handwritten_harbour_walk.srt").read_text())
    return round((cues[-1].end_ms - cues[0].start_ms) / 1000 / 20)


def test_a_transcript_becomes_images_a_manifest_and_a_gallery(s3: Any) -> None:
    etag = upload_transcript(s3)
    fake = FakeBedrock()
    with aws.override("bedrock-runtime", fake):
        result = handler(event((naming.transcript_key(JOB), etag)), None)

    count = expected_scene_count()
    assert result["records"][0]["outcome"] == "complete"
    assert len(fake.invocations) == count
    subtitle_files = [naming.recut_subtitle_key(JOB, "en-GB", fmt) for fmt in ("srt", "vtt")]
    assert image_keys(s3) == sorted(
        [naming.scene_image_key(JOB, i) for i in range(1, count + 1)]
        + [naming.manifest_key(JOB), naming.gallery_key(JOB), naming.image_event_marker_key(JOB), *subtitle_files]
    )
    for index in range(1, count + 1):
        assert read(s3, naming.scene_image_key(JOB, index)) == (PNG, "image/png")

    document = manifest(s3)
    assert document["status"] == "complete"
    assert document["retryable"] is False
    assert (document["source_audio_bucket"], document["source_audio_key"]) == (AUDIO_BUCKET, AUDIO_KEY)
    assert (document["transcript_key"], document["transcript_etag"]) == (naming.transcript_key(JOB), etag)
    assert (
        document["language_code"]
        == json.loads((FIXTURES / "handwritten_harbour_walk.json").read_text())["results"]["language_code"]
    )
    assert document["model_id"] == "stability.stable-image-core-v1:1"
    assert (document["bedrock_region"], document["prompt_model_id"]) == ("us-west-2", "us.amazon.nova-lite-v1:0")
    assert document["look"] == FakeBedrock.LOOK
    assert isinstance(document["base_seed"], int)
    assert document["scene_source"] == "recut"
    assert len(fake.conversations) == 1  # one director call for the whole file
    assert {r["aspect_ratio"] for r in fake.invocations} == {"16:9"}
    assert document["subtitle_tracks"] == [
        {
            "language": "en-GB",
            "kind": "original",
            "srt_key": subtitle_files[0],
            "vtt_key": subtitle_files[1],
            "status": "ok",
            "reason": None,
        }
    ]
    srt_body, srt_type = read(s3, subtitle_files[0])
    vtt_body, vtt_type = read(s3, subtitle_files[1])
    assert (srt_type, vtt_type) == ("application/x-subrip; charset=utf-8", "text/vtt; charset=utf-8")
    recut_cues = parse_srt(srt_body.decode("utf-8"))
    assert [c.number for c in recut_cues] == [str(i) for i in range(1, len(recut_cues) + 1)]
    assert vtt_body.decode("utf-8").startswith("WEBVTT\n")
    assert [(c.start_ms, c.text) for c in parse_vtt(vtt_body.decode("utf-8"))] == [
        (c.start_ms, c.text) for c in recut_cues
    ]
    quality = document["subtitle_quality"]
    assert quality["language"] == "en-GB"
    transcribe_cues = parse_srt((FIXTURES / "handwritten_harbour_walk.srt").read_text())
    assert quality["cues"] == {"transcribe": len(transcribe_cues), "recut": len(recut_cues)}
    assert sum(rule["transcribe"] for rule in quality["rules"].values()) > 0
    assert all(rule["recut"] == 0 for rule in quality["rules"].values())
    cue_ends = {c.end_ms / 1000 for c in recut_cues}
    assert all(scene["end"] in cue_ends for scene in document["scenes"])
    sent = {r["seed"]: r["prompt"] for r in fake.invocations}
    for scene in document["scenes"]:
        assert scene["status"] == "ok"
        assert (scene["prompt_source"], scene["prompt_note"]) == ("director", None)
        assert scene["prompt"].startswith(f"An English picture of scene {scene['index']} Style: soft gouache")
        assert scene["image_key"] == naming.scene_image_key(JOB, scene["index"])
        assert sent[scene["seed"]] == scene["prompt"]
        assert scene["start"] < scene["end"]
    assert [s["index"] for s in document["scenes"]] == list(range(1, count + 1))

    page, content_type = read(s3, naming.gallery_key(JOB))
    assert content_type == "text/html; charset=utf-8"
    for index in range(1, count + 1):
        assert f'src="scene-{index:03d}.png"' in page.decode()


@pytest.mark.parametrize(
    "key",
    [
        naming.subtitle_key(JOB, "srt"),
        naming.subtitle_key(JOB, "vtt"),
        "transcripts/.write_access_check_file.temp",
        naming.job_record_key(JOB),
        "transcripts/nested/folder.json",
    ],
)
def test_other_keys_never_start_work(s3: Any, key: str) -> None:
    upload_transcript(s3)
    fake = FakeBedrock()
    with aws.override("bedrock-runtime", fake):
        result = handler(event((key, "abc")), None)
    assert result["records"][0]["outcome"] == "skipped"
    assert fake.invocations == []
    assert image_keys(s3) == []


def test_silent_audio_ends_cleanly_with_no_speech(s3: Any) -> None:
    job = "silence-0a1b2c3d4e5f"
    etag = upload_transcript(s3, job=job, transcript="handwritten_silent", subtitles=False)
    fake = FakeBedrock()
    with aws.override("bedrock-runtime", fake):
        result = handler(event((naming.transcript_key(job), etag)), None)
    assert result["records"][0]["outcome"] == "no speech"
    assert fake.invocations == []
    assert image_keys(s3) == sorted(
        [naming.manifest_key(job), naming.gallery_key(job), naming.image_event_marker_key(job)]
    )
    document = manifest(s3, job)
    assert (document["status"], document["scenes"], document["retryable"]) == ("no speech", [], False)
    assert document["subtitle_keys"] == {"srt": None, "vtt": None}


def test_the_same_transcript_is_not_illustrated_twice_but_a_new_version_is(s3: Any) -> None:
    etag = upload_transcript(s3)
    fake = FakeBedrock()
    with aws.override("bedrock-runtime", fake):
        handler(event((naming.transcript_key(JOB), etag)), None)
        first = manifest(s3)
        calls = len(fake.invocations)
        again = handler(event((naming.transcript_key(JOB), etag)), None)
        assert again["records"][0]["outcome"] == "skipped"
        assert len(fake.invocations) == calls
        assert manifest(s3) == first

        document = json.loads((FIXTURES / "handwritten_harbour_walk.json").read_text())
        document["results"]["language_code"] = "en-IE"
        new_etag = put(s3, naming.transcript_key(JOB), json.dumps(document))
        handler(event((naming.transcript_key(JOB), new_etag)), None)
    assert len(fake.invocations) == 2 * calls
    assert (manifest(s3)["transcript_etag"], manifest(s3)["language_code"]) == (new_etag, "en-IE")


def test_malformed_transcript_gets_a_failed_manifest_and_no_retry(s3: Any) -> None:
    document = json.loads((FIXTURES / "handwritten_harbour_walk.json").read_text())
    document["results"]["items"][4]["end_time"] = "later"
    put(s3, naming.subtitle_key(JOB, "srt"), (FIXTURES / "handwritten_harbour_walk.srt").read_bytes())
    etag = put(s3, naming.transcript_key(JOB), json.dumps(document))
    fake = FakeBedrock()
    with aws.override("bedrock-runtime", fake):
        result = handler(event((naming.transcript_key(JOB), etag)), None)  # does not raise: a retry cannot help
    assert result["records"][0]["outcome"] == "failed"
    assert fake.invocations == []
    failed = manifest(s3)
    assert (failed["status"], failed["retryable"]) == ("failed", False)
    assert naming.transcript_key(JOB) in failed["reason"]
    assert "results.items[4].end_time" in failed["reason"]
    assert failed["source_audio_key"] is None  # no job record was written for this one


def test_filtered_and_failed_scenes_are_recorded_and_the_rest_is_illustrated(s3: Any) -> None:
    etag = upload_transcript(s3)
    plan_seeds: list[int] = []

    def decide(model_id: str, request: dict[str, Any]) -> Any:
        seed = request["seed"]
        if seed == plan_seeds[0]:
            return client_error("ValidationException", BLOCKED, 400)
        if seed == plan_seeds[1]:
            return client_error("AccessDeniedException", "not authorized to perform bedrock:InvokeModel", 403)
        return None

    from illustrate_scenes.image_models import model_for
    from illustrate_scenes.plan import base_seed

    model = model_for("stability.stable-image-core-v1:1")
    plan_seeds.extend([model.seed(base_seed(JOB), 1), model.seed(base_seed(JOB), 2)])
    fake = FakeBedrock(decide)
    with aws.override("bedrock-runtime", fake), pytest.raises(RecordsFailed):
        handler(event((naming.transcript_key(JOB), etag)), None)
    document = manifest(s3)
    assert document["status"] == "partial"
    statuses = [s["status"] for s in document["scenes"]]
    assert statuses == ["filtered", "failed"] + ["ok"] * (expected_scene_count() - 2)
    assert "content filters" in document["scenes"][0]["reason"]
    # The filtered scene was retried once with the director's softened prompt; the seed (and so the block) stayed.
    assert [a["prompt_source"] for a in document["scenes"][0]["attempts"]] == ["director", "director-retry"]
    assert document["scenes"][0]["prompt"].startswith("A gentle harbour at dusk")
    assert "stability.stable-image-core-v1:1" in document["scenes"][1]["reason"]
    assert "us-west-2" in document["scenes"][1]["reason"]
    # One scene failed for a reason that may clear: the file stays re-drivable for that scene.
    assert document["retryable"] is True
    assert naming.scene_image_key(JOB, 1) not in image_keys(s3)
    assert naming.scene_image_key(JOB, 3) in image_keys(s3)


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("ThrottlingException", 429, "throttled"),
        # Access is granted later (IAM fixed, Marketplace subscription done): kept for a retry, then a re-drive.
        ("AccessDeniedException", 403, "access denied to model stability.stable-image-core-v1:1 in us-west-2"),
    ],
)
def test_all_scenes_throttled_raises_after_a_retryable_manifest_and_the_retry_finishes(
    s3: Any, code: str, status: int, reason: str
) -> None:
    etag = upload_transcript(s3)
    failing = FakeBedrock(lambda model_id, request: client_error(code, "refused", status))
    with aws.override("bedrock-runtime", failing), pytest.raises(RecordsFailed, match=reason):
        handler(event((naming.transcript_key(JOB), etag)), None)
    pending = manifest(s3)
    assert (pending["status"], pending["retryable"]) == ("failed", True)
    assert all(s["status"] == "failed" and reason in s["reason"] for s in pending["scenes"])
    assert f"first failure: {pending['scenes'][0]['reason']}" in pending["reason"]

    healthy = FakeBedrock()
    with aws.override("bedrock-runtime", healthy):  # Lambda's asynchronous retry of the same event
        handler(event((naming.transcript_key(JOB), etag)), None)
    assert len(healthy.invocations) == expected_scene_count()
    assert (manifest(s3)["status"], manifest(s3)["retryable"]) == ("complete", False)


def test_missing_job_record_means_unknown_source(s3: Any) -> None:
    etag = upload_transcript(s3, record=False)
    with aws.override("bedrock-runtime", FakeBedrock()):
        handler(event((naming.transcript_key(JOB), etag)), None)
    document = manifest(s3)
    assert document["status"] == "complete"
    assert (document["source_audio_bucket"], document["source_audio_key"]) == (None, None)


def test_one_bad_record_does_not_lose_the_others(s3: Any) -> None:
    etag = upload_transcript(s3)
    other = "other-job-0123456789ab"
    good_and_bad = event((naming.transcript_key(JOB), etag))
    good_and_bad["Records"] += event((naming.transcript_key(other), "x"), bucket="no-such-bucket")["Records"]
    good_and_bad["Records"].append({"eventSource": "aws:sqs"})
    with aws.override("bedrock-runtime", FakeBedrock()), pytest.raises(RecordsFailed, match="1 record"):
        handler(good_and_bad, None)
    assert manifest(s3)["status"] == "complete"


def test_style_aspect_ratio_and_a_softened_retry_that_succeeds(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, IMAGE_STYLE="woodcut print", IMAGE_ASPECT_RATIO="21:9")
    etag = upload_transcript(s3)

    def decide(model_id: str, request: dict[str, Any]) -> Any:
        if "scene 1 " in request["prompt"]:
            return {"seeds": [request["seed"]], "finish_reasons": ["Filter reason: output image"], "images": [""]}
        return None

    fake = FakeBedrock(decide)
    with aws.override("bedrock-runtime", fake):
        handler(event((naming.transcript_key(JOB), etag)), None)
    document = manifest(s3)
    assert document["image_size"] == "aspect ratio 21:9 (about 1536x640)"
    assert {r["aspect_ratio"] for r in fake.invocations} == {"21:9"}
    assert all(s["prompt"].endswith("Style: woodcut print.") for s in document["scenes"])
    first = document["scenes"][0]
    assert (first["status"], first["prompt_source"]) == ("ok", "director-retry")
    assert [a["status"] for a in first["attempts"]] == ["filtered", "ok"]
    assert "Filter reason: output image" in first["attempts"][0]["reason"]
    assert document["status"] == "complete"
    assert len(fake.conversations) == 2  # the director, then one softened prompt


END_OF_LIFE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation for more details."
)


def test_a_model_past_its_end_of_life_fails_the_file_for_the_dead_letter_queue_never_as_filtered(s3: Any) -> None:
    etag = upload_transcript(s3)
    retired = FakeBedrock(lambda model_id, request: client_error("ResourceNotFoundException", END_OF_LIFE, 404))
    with aws.override("bedrock-runtime", retired), pytest.raises(RecordsFailed, match="end of life"):
        handler(event((naming.transcript_key(JOB), etag)), None)
    document = manifest(s3)
    assert (document["status"], document["retryable"]) == ("failed", True)
    assert document["counts"]["filtered"] == 0
    assert "has reached end of life" in document["reason"]
    assert "stability.stable-image-core-v1:1" in document["reason"]
    assert "dead-letter queue" in document["reason"]


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_partial_result_is_redriven_for_the_missing_scenes_only(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    etag = upload_transcript(s3)
    count = expected_scene_count()
    throttled = client_error("ThrottlingException", "Too many requests", 429)
    # Scene 2 stays throttled through the in-invocation retries; the context leaves time for them (no real sleep).
    monkeypatch.setattr("illustrate_scenes.generation.time.sleep", lambda seconds: None)
    first = FakeBedrock(lambda model_id, request: throttled if "scene 2 " in request["prompt"] else None)
    with aws.override("bedrock-runtime", first), pytest.raises(RecordsFailed, match="retried for them only"):
        handler(event((naming.transcript_key(JOB), etag)), Context(800_000))
    partial = manifest(s3)
    assert (partial["status"], partial["retryable"]) == ("partial", True)
    assert len([r for r in first.invocations if "scene 2 " in r["prompt"]]) == 5  # 1 call + 4 backoff retries
    kept = read(s3, naming.scene_image_key(JOB, 1))

    second = FakeBedrock()
    with aws.override("bedrock-runtime", second):  # the retry, or a re-drive from the dead-letter queue
        handler(event((naming.transcript_key(JOB), etag)), Context(800_000))
    done = manifest(s3)
    assert (done["status"], done["retryable"]) == ("complete", False)
    assert [r["seed"] for r in second.invocations] == [partial["scenes"][1]["seed"]]  # only the missing scene
    assert read(s3, naming.scene_image_key(JOB, 1)) == kept
    assert done["look"] == partial["look"]
    assert [s["status"] for s in done["scenes"]] == ["ok"] * count
    assert done["scenes"][0]["prompt"] == partial["scenes"][0]["prompt"]


def test_a_throttled_scene_is_not_retried_in_an_invocation_that_is_almost_over(s3: Any) -> None:
    etag = upload_transcript(s3)
    throttled = client_error("ThrottlingException", "Too many requests", 429)
    fake = FakeBedrock(lambda model_id, request: throttled if "scene 2 " in request["prompt"] else None)
    with aws.override("bedrock-runtime", fake), pytest.raises(RecordsFailed):
        handler(event((naming.transcript_key(JOB), etag)), Context(20_000))
    assert len([r for r in fake.invocations if "scene 2 " in r["prompt"]]) == 1


def test_a_retired_model_stops_the_function_at_start(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline_core.config import ConfigError

    configure(monkeypatch, IMAGE_MODEL_ID="amazon.nova-canvas-v1:0")
    with pytest.raises(ConfigError, match="reached end of life on 2026-09-30") as raised:
        handler(event((naming.transcript_key(JOB), "x")), None)
    assert "Active image models: stability.sd3-5-large-v1:0" in str(raised.value)


def test_invalid_configuration_fails_loudly(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, IMAGE_ASPECT_RATIO="4:3")
    from pipeline_core.config import ConfigError

    with pytest.raises(ConfigError, match="IMAGE_ASPECT_RATIO"):
        handler(event((naming.transcript_key(JOB), "x")), None)
