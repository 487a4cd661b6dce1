"""GET /{folder}/{object} on the local stack: the states of an upload, its presigned links and its player page, with
nothing but the API key (the results function's own code behind the upload API stand-in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from e2e_support import ROOT, SAMPLE, WAIT_SECONDS, http, timeline_of
from local_stack import environment
from local_stack.stack import LocalStack

from pipeline_core import completion, naming
from read_results import results

pytestmark = pytest.mark.e2e

ORDER = ["uploaded", "transcribing", "illustrating", "complete"]


def get_status(stack: LocalStack, key: str, query: str = "", api_key: str | None = "") -> Any:
    headers = {} if api_key is None else {"x-api-key": api_key or stack.api_key}
    return http("GET", f"{stack.stage_url}/{urllib.parse.quote(key)}{query}", None, headers)


def follow_states(stack: LocalStack, key: str, final: set[str]) -> tuple[list[str], dict[str, Any]]:
    """Every distinct state GET reported, in order, until one in `final`."""
    seen: list[str] = []
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = get_status(stack, key)
        assert response.status == 200, response.body
        document = response.json()
        assert isinstance(document, dict)
        if not seen or seen[-1] != document["status"]:
            seen.append(document["status"])
        if document["status"] in final:
            return seen, document
        if time.monotonic() > deadline:
            pytest.fail(f"{key} stayed {seen[-1]}\n{timeline_of(stack)}")
        time.sleep(0.02)


@dataclass(frozen=True)
class Done:
    key: str
    states: list[str]
    document: dict[str, Any]


@pytest.fixture(scope="module")
def completion_events(stack: LocalStack) -> str:
    """An SQS queue that a rule on the default bus fills with every completion event (as the e-mail rule matches)."""
    sqs = stack.sqs
    queue = sqs.create_queue(QueueName="completion-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client(
        "events",
        endpoint_url=stack.endpoint_url,
        region_name=environment.REGION,
        **{k.lower(): v for k, v in environment.FAKE_CREDENTIALS.items()},
    )
    pattern = {"source": [completion.SOURCE], "detail-type": [completion.DETAIL_TYPE]}
    events.put_rule(Name="completion-events", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="completion-events", Targets=[{"Id": "queue", "Arn": arn}])
    return queue


def drain(stack: LocalStack, queue: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while messages := stack.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            stack.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture(scope="module")
def done(stack: LocalStack, completion_events: str) -> Done:
    key = "talks/results-talk.mp3"
    response = http("PUT", f"{stack.stage_url}/{key}", SAMPLE.read_bytes(), {"x-api-key": stack.api_key})
    assert response.status == 200
    states, document = follow_states(stack, key, {"complete", "partial", "failed", "rejected"})
    stack.wait_until_idle(WAIT_SECONDS)
    return Done(key, states, document)


def test_status_moves_forward_through_the_states_to_complete(done: Done) -> None:
    assert done.states[-1] == "complete", done.states
    positions = [ORDER.index(state) for state in done.states]
    assert positions == sorted(positions), done.states  # never backwards
    assert set(done.states) <= set(results.STATES)
    document = done.document
    assert document["job_name"]
    assert document["reason"] is None
    assert document["counts"]["ok"] == len(document["links"]["images"]) > 0
    stamps = document["timestamps"]
    assert stamps["uploaded_at"]
    assert stamps["transcription_started_at"]
    assert stamps["finished_at"]
    assert document["expires_in"] == results.DEFAULT_EXPIRY_SECONDS


def test_every_presigned_link_downloads_the_right_bytes(stack: LocalStack, done: Done) -> None:
    links = done.document["links"]
    job = done.document["job_name"]
    expected: list[tuple[str, str, str]] = [
        (links["audio"], stack.buckets.audio, done.key),
        (links["manifest"], stack.buckets.image, naming.manifest_key(job)),
        (links["player"], stack.buckets.image, naming.gallery_key(job)),
        (links["transcript"], stack.buckets.transcript, naming.transcript_key(job)),
    ]
    expected += [(i["url"], stack.buckets.image, naming.scene_image_key(job, i["index"])) for i in links["images"]]
    subtitle_formats = {s["format"] for s in links["subtitles"]}
    assert subtitle_formats == {"srt", "vtt"}
    # Transcribe's own files in the transcript bucket, the re-cut tracks (and translations) beside the images.
    assert {s["kind"] for s in links["subtitles"]} >= {"transcribe", "original"}
    for s in links["subtitles"]:
        if s["kind"] == "transcribe":
            expected.append((s["url"], stack.buckets.transcript, naming.subtitle_key(job, s["format"])))
        else:
            recut = naming.recut_subtitle_key(job, s["language"], s["format"])
            expected.append((s["url"], stack.buckets.image, recut))
    for url, bucket, key in expected:
        assert "X-Amz-Signature=" in url
        assert "X-Amz-Expires=900" in url
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
        assert body == stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read(), key
    with urllib.request.urlopen(links["audio"], timeout=30) as response:
        assert response.read() == SAMPLE.read_bytes()


def test_format_html_is_the_player_with_presigned_urls(stack: LocalStack, done: Done) -> None:
    response = get_status(stack, done.key, "?format=html")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.body.decode("utf-8")
    assert '<audio id="audio" controls' in page
    assert f"/{stack.buckets.audio}/talks/results-talk.mp3?" in page  # presigned audio, not a relative name
    for image in done.document["links"]["images"]:
        assert f"/{naming.scene_image_key(done.document['job_name'], image['index'])}?" in page
    data = json.loads(page.split('id="player-data">', 1)[1].split("</script>", 1)[0])
    assert data["tracks"]
    assert data["tracks"][0]["cues"]


def test_zero_byte_mp3_is_rejected_with_the_records_reason(stack: LocalStack, completion_events: str) -> None:
    key = "talks/empty.mp3"
    assert http("PUT", f"{stack.stage_url}/{key}", b"", {"x-api-key": stack.api_key}).status == 200
    states, document = follow_states(stack, key, {"rejected"})
    assert states[-1] == "rejected"
    [record_key] = [k for k in stack.list_keys(stack.buckets.transcript, "errors/") if document["job_name"] in k]
    record = json.loads(stack.s3.get_object(Bucket=stack.buckets.transcript, Key=record_key)["Body"].read())
    assert document["reason"] == record["reason"]
    assert document["detail"] == record["detail"]
    assert set(document["links"]) == {"audio"}
    html = get_status(stack, key, "?format=html")
    assert html.status == 200
    assert "Status: rejected" in html.body.decode("utf-8")


@pytest.mark.parametrize("api_key", [None, "wrong-key"])
def test_without_the_api_key_is_403(stack: LocalStack, api_key: str | None) -> None:
    response = get_status(stack, "talks/results-talk.mp3", api_key=api_key)
    assert response.status == 403
    assert response.json() == {"message": "Forbidden"}


def test_unknown_key_is_404_json(stack: LocalStack) -> None:
    response = get_status(stack, "talks/never-uploaded.mp3")
    assert response.status == 404
    document = response.json()
    assert isinstance(document, dict)
    assert document["key"] == "talks/never-uploaded.mp3"
    assert "no upload at talks/never-uploaded.mp3" in document["message"]


@pytest.mark.parametrize(
    ("path", "field"),
    [("talks/notes.txt", "object"), ("talks/talk.Mp3", "object"), ("talks/talk.mp3?format=pdf", "format")],
)
def test_bad_names_and_formats_are_400_naming_the_field(stack: LocalStack, path: str, field: str) -> None:
    key, _, query = path.partition("?")
    response = get_status(stack, key, f"?{query}" if query else "")
    assert response.status == 400
    document = response.json()
    assert isinstance(document, dict)
    assert document["message"].startswith(f"{field}: ")


def test_one_completion_event_per_file_even_when_s3_events_are_replayed(
    stack: LocalStack, done: Done, completion_events: str
) -> None:
    test_zero_byte_mp3_is_rejected_with_the_records_reason(stack, completion_events)  # a second file, rejected
    stack.wait_until_idle(WAIT_SECONDS)
    first = drain(stack, completion_events)
    assert stack.replay_events() >= 3  # the two uploads and the transcript
    stack.wait_until_idle(WAIT_SECONDS)
    assert stack.replay_events() >= 3
    stack.wait_until_idle(WAIT_SECONDS)
    again = drain(stack, completion_events)
    assert again == []
    by_key = {event["detail"]["source_key"]: event for event in first}
    assert sorted(by_key) == ["talks/empty.mp3", "talks/results-talk.mp3"]
    assert len(first) == 2
    complete = by_key["talks/results-talk.mp3"]["detail"]
    assert complete["status"] == "complete"
    assert complete["job_name"] == done.document["job_name"]
    assert complete["counts"] == done.document["counts"]
    assert complete["result_keys"]["manifest"] == naming.manifest_key(done.document["job_name"])
    rejected = by_key["talks/empty.mp3"]["detail"]
    assert rejected["status"] == "rejected"
    assert rejected["result_keys"]["record"].startswith("errors/")


def test_client_status_and_fetch_need_only_the_api_key(stack: LocalStack, done: Done, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PIPELINE_STAGE_URL": stack.stage_url, "PIPELINE_API_KEY": stack.api_key}
    env |= {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    client = [sys.executable, str(ROOT / "scripts" / "client.py")]
    status = subprocess.run([*client, "status", done.key], env=env, capture_output=True, text=True, check=False)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "complete"
    out = tmp_path / "fetched"
    fetched = subprocess.run(
        [*client, "fetch", done.key, "--out", str(out), "--poll", "0.1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == str(out / "index.html")
    assert (out / "results-talk.mp3").read_bytes() == SAMPLE.read_bytes()  # the audio beside the player
    assert {"index.html", "manifest.json", "transcript.json", "transcript.vtt"} <= {p.name for p in out.iterdir()}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'src="results-talk.mp3"' in page
    unknown = subprocess.run(
        [*client, "status", "talks/nothing.mp3"], env=env, capture_output=True, text=True, check=False
    )
    assert unknown.returncode == 2
    assert "no upload at talks/nothing.mp3" in unknown.stderr
    refused = subprocess.run(
        [*client, "status", done.key],
        env=env | {"PIPELINE_API_KEY": "wrong"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 3
    assert "API key" in refused.stderr
