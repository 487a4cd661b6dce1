"""Least privilege both ways, on the local stack: every AWS call the functions make on the paths a real deployment
takes is allowed by the policy the module renders for the caller's role, and every action those policies grant is
used by some call (or is a documented exception in tests/iam/call_permissions.json: what the Lambda service, API
Gateway or a presigned URL's holder do with a role).

The session-wide recording (tests/e2e/conftest.py) holds every other end-to-end test to the first half; this module
drives the paths that use each grant: a first upload, the event AWS sends for a versioned object (the ranged reads
then name the version), the same event again (the job exists; the job record is already written), an empty upload,
an event for a deleted object, a silent recording (no subtitle files), a job Transcribe fails, a failed job of
another application, and the results route (JSON and the player page) for a finished and a rejected upload.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from e2e_support import QUICK_IMAGE_SETTINGS, SAMPLE, WAIT_SECONDS
from iam import coverage, rendered
from iam.permissions import TABLE
from iam.recording import SuiteRecording
from local_stack.stack import LocalStack, StackOptions
from local_stack.transcribe_standin import Fixture, job_state_change_event

from pipeline_core import naming
from pipeline_core.s3_events import parse_event

pytestmark = pytest.mark.e2e

SILENT = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 4096  # media the stand-in transcribes as silence
CORRUPT = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x01" * 4096  # media the stand-in's Transcribe job fails on
_TRANSCRIPTION = "start_transcription"


def s3_event(stack: LocalStack, key: str, *, deleted: bool = False) -> dict:
    """The ObjectCreated event AWS sends for the current version of `key` in the (versioned) audio bucket."""
    obj: dict = {"key": key, "size": 1, "eTag": "0" * 32, "sequencer": "0"}
    if not deleted:
        head = stack.s3.head_object(Bucket=stack.buckets.audio, Key=key)
        obj = {**obj, "size": head["ContentLength"], "eTag": head["ETag"].strip('"'), "versionId": head["VersionId"]}
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-12-01T00:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": stack.buckets.audio}, "object": obj},
    }
    return {"Records": [record]}


def invoke(stack: LocalStack, function: str, event: dict) -> None:
    stack.lambda_client.invoke(
        FunctionName=stack.function_name(function), InvocationType="Event", Payload=json.dumps(event)
    )


@pytest.fixture(scope="module")
def recording(loopback_only: list[str]) -> SuiteRecording:
    recording = SuiteRecording("iam-coverage")
    with (
        recording.installed(),
        LocalStack(StackOptions(name="iam", image_settings=dict(QUICK_IMAGE_SETTINGS))) as stack,
    ):
        silent_transcript = json.loads((rendered.REPO / "tests/fixtures/handwritten_silent.json").read_text())
        stack.transcribe_stand_in.register(SILENT, Fixture("silent", silent_transcript, {}))
        stack.transcribe_stand_in.register(CORRUPT, Fixture.failing("corrupt", "Failed to parse audio file."))
        s3, audio = stack.s3, stack.buckets.audio
        s3.put_object(Bucket=audio, Key="talks/sample.mp3", Body=SAMPLE.read_bytes())
        s3.put_object(Bucket=audio, Key="talks/silence.mp3", Body=SILENT)
        s3.put_object(Bucket=audio, Key="talks/empty.mp3", Body=b"")
        s3.put_object(Bucket=audio, Key="talks/corrupt.mp3", Body=CORRUPT)  # Transcribe fails the job: errors/
        stack.wait_until_idle(WAIT_SECONDS)
        versioned = s3_event(stack, "talks/sample.mp3")
        invoke(stack, _TRANSCRIPTION, versioned)  # as AWS sends it: with the version id
        invoke(stack, _TRANSCRIPTION, s3_event(stack, "talks/gone.mp3", deleted=True))
        invoke(stack, _TRANSCRIPTION, job_state_change_event("someone-elses-job", "FAILED", "not ours"))
        stack.wait_until_idle(WAIT_SECONDS)
        job = naming.job_name(audio, "talks/sample.mp3", parse_event(versioned)[0].etag)
        assert s3.head_object(Bucket=stack.buckets.image, Key=naming.manifest_key(job))
        for key, query in (("talks/sample.mp3", ""), ("talks/sample.mp3", "?format=html"), ("talks/empty.mp3", "")):
            request = urllib.request.Request(f"{stack.stage_url}/{key}{query}", headers={"x-api-key": stack.api_key})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
    return recording


def test_the_paths_reach_both_functions(recording: SuiteRecording) -> None:
    operations = {(call.function, call.key) for call in recording.calls()}
    assert {
        ("start_transcription", "s3:HeadObject"),
        ("start_transcription", "s3:GetObject"),
        ("start_transcription", "transcribe:StartTranscriptionJob"),
        ("illustrate_scenes", "bedrock-runtime:InvokeModel"),
        ("illustrate_scenes", "s3:PutObject"),
        ("read_results", "s3:GetObject"),
    } <= operations
    assert any(call.params.get("VersionId") for call in recording.calls()), "no versioned read was recorded"


@pytest.mark.parametrize("configuration", sorted(rendered.CONFIGURATIONS))
def test_every_call_is_allowed_and_every_grant_is_used(recording: SuiteRecording, configuration: str) -> None:
    report = recording.reports()[configuration]
    assert not report.uncovered, "\n".join(report.uncovered)
    assert not report.denied, "\n".join(str(denied) for denied in report.denied)
    policies = rendered.rendered_policies()[configuration].policies
    unused = report.unused(policies, TABLE["exceptions"])
    assert not unused, "granted, but no recorded call used it (and no documented exception explains it):\n" + "\n".join(
        f"  {role}: {sid}: {action}" for role, sid, action in unused
    )


def test_a_policy_without_the_version_grant_would_deny_the_versioned_read(recording: SuiteRecording) -> None:
    # The check can fail: the role without s3:GetObjectVersion (the defect this module had) is caught.
    rendering = rendered.rendered_policies()["defaults"]
    role = json.loads(json.dumps(rendering.policies[_TRANSCRIPTION]))
    role["Statement"] = [s for s in role["Statement"] if "s3:GetObjectVersion" not in s["Action"]]
    deployment = rendered.deployment(kms=False, bucket_roles=recording.bucket_roles, home_region=recording.home_region)
    report = coverage.check(recording.calls(), {**rendering.policies, _TRANSCRIPTION: role}, deployment)
    assert {denied.requirement.request.action for denied in report.denied} == {"s3:GetObjectVersion"}
