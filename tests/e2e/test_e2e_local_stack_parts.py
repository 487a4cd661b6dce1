"""The local stack's own parts, each on its own: the stand-ins, the bundled fixture, the settings mirrored from the
module. Quick; they pin down what the end-to-end tests rely on."""

from __future__ import annotations

import base64
import io
import json
import re
import wave
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from e2e_support import ROOT, SAMPLE
from local_stack import environment, notifications
from local_stack.bedrock_standin import BedrockRuntimeStandIn, matched_span, model_family
from local_stack.dispatcher import Invocation, invocation_record, request_id_for
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION, Buckets
from local_stack.lambda_standin import LambdaStandIn
from local_stack.media import duration_seconds, mp3_duration_seconds
from local_stack.timeline import Timeline
from local_stack.transcribe_standin import Fixture, renumber_cues, s3_location, transcript_document
from PIL import Image

from pipeline_core.contract import CONTRACT

pytestmark = pytest.mark.e2e

BUCKETS = Buckets(audio="a-audio", transcript="a-transcript", image="a-image")


# --- notifications and environment: the module's own values ---------------------------------------------------------


def test_audio_filters_are_one_suffix_per_format_in_both_cases() -> None:
    configuration = notifications.queue_configuration("audio", "arn:q", notifications.audio_filters())
    suffixes = []
    for item in configuration["QueueConfigurations"]:
        assert item["Events"] == ["s3:ObjectCreated:*"]
        rules = item["Filter"]["Key"]["FilterRules"]
        assert [rule["Name"] for rule in rules] == ["suffix"]
        suffixes.append(rules[0]["Value"])
    expected = {f".{fmt}" for fmt in CONTRACT.media_formats} | {f".{fmt.upper()}" for fmt in CONTRACT.media_formats}
    assert sorted(suffixes) == sorted(expected)


def test_transcript_filter_is_transcripts_prefix_and_json_suffix() -> None:
    configuration = notifications.queue_configuration("t", "arn:q", notifications.transcript_filters())
    [item] = configuration["QueueConfigurations"]
    assert item["Filter"]["Key"]["FilterRules"] == [
        {"Name": "prefix", "Value": CONTRACT.transcript_prefix},
        {"Name": "suffix", "Value": CONTRACT.transcript_suffix},
    ]


def root_module() -> str:
    """The root module's configuration, all files together (its locals and variables may move between files)."""
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(ROOT.glob("*.tf")))


def _tf_block(text: str, start: str) -> str:
    """The text of the brace-balanced block that starts at the first line containing `start`."""
    index = text.index(start)
    depth, end = 0, index
    for end in range(text.index("{", index), len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            break
    return text[index : end + 1]


def _tf_default(variables: str, name: str) -> str:
    block = _tf_block(variables, f'variable "{name}"')
    match = re.search(r"^\s*default\s*=\s*(.+)$", block, re.MULTILINE)
    assert match, f"variable {name} has no default"
    value = match.group(1).strip()
    return {"null": "", "[]": ""}.get(value, value.strip('"'))


# Environment variable -> the root module's variable that sets it (main.tf, locals *_environment).
_VARIABLES = {
    "LANGUAGE_CODE": "language_code",
    "LANGUAGE_OPTIONS": "language_options",
    "MAX_SPEAKER_LABELS": "max_speaker_labels",
    "MAX_AUDIO_SECONDS": "max_audio_seconds",
    "LOG_LEVEL": "log_level",
    "IMAGE_MODEL_ID": "image_model_id",
    "SCENE_SECONDS": "scene_seconds",
    "MAX_IMAGES_PER_FILE": "max_images_per_file",
    "IMAGE_STYLE": "image_style",
    "PROMPT_DIRECTOR": "prompt_director",
    "PROMPT_MODEL_ID": "prompt_model_id",
    "BEDROCK_REGION": "bedrock_region",
    "IMAGE_CONCURRENCY": "image_concurrency",
    "VOCABULARY_NAME": "vocabulary_name",
    "VOCABULARY_FILTER_NAME": "vocabulary_filter_name",
    "VOCABULARY_FILTER_METHOD": "vocabulary_filter_method",
    "REDACT_PII": "redact_pii",
    "SUBTITLE_PROFILE": "subtitle_profile",
    "SUBTITLE_MAX_LINE_CHARS": "subtitle_max_line_chars",
    "SUBTITLE_MAX_CPS": "subtitle_max_cps",
    "SUBTITLE_LANGUAGES": "subtitle_languages",
    "TRANSLATE_TERMINOLOGY_NAMES": "translate_terminology_names",
    "IMAGE_ASPECT_RATIO": "image_aspect_ratio",
}


@pytest.mark.parametrize(
    ("function", "local", "bucket_variable"),
    [
        (TRANSCRIPTION, "transcription_environment", "TRANSCRIPT_BUCKET"),
        (ILLUSTRATION, "image_environment", "IMAGE_BUCKET"),
    ],
)
def test_function_environment_matches_the_module_defaults(function: str, local: str, bucket_variable: str) -> None:
    """The variables the module sets on the function, with its defaults; empty ones are left out, as there."""
    main = variables = root_module()
    declared = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+)\s+=", _tf_block(main, f"{local} ="), re.MULTILINE))
    assert set(environment.DEFAULT_SETTINGS[function]) | {bucket_variable} == declared
    expected = {name: _tf_default(variables, _VARIABLES[name]) for name in environment.DEFAULT_SETTINGS[function]}
    expected = {name: value for name, value in expected.items() if value != ""}
    built = environment.function_environment(function, BUCKETS)
    bucket = BUCKETS.transcript if function == TRANSCRIPTION else BUCKETS.image
    assert built == {**expected, bucket_variable: bucket}


def test_function_timeouts_and_retries_match_the_module_defaults() -> None:
    variables = root_module()
    assert str(environment.TIMEOUTS[TRANSCRIPTION]) == _tf_default(variables, "transcription_timeout")
    assert str(environment.TIMEOUTS[ILLUSTRATION]) == _tf_default(variables, "image_timeout")
    retries = environment.MAXIMUM_RETRY_ATTEMPTS
    assert str(retries[TRANSCRIPTION]) == _tf_default(variables, "transcription_maximum_retry_attempts")
    assert str(retries[ILLUSTRATION]) == _tf_default(variables, "image_maximum_retry_attempts")


def test_settings_override_defaults_and_unknown_names_are_refused() -> None:
    built = environment.function_environment(ILLUSTRATION, BUCKETS, {"SCENE_SECONDS": "5", "IMAGE_STYLE": "ink"})
    assert built["SCENE_SECONDS"] == "5"
    assert built["IMAGE_STYLE"] == "ink"
    with pytest.raises(ValueError, match="TRANSCRIPT_BUCKET"):
        environment.function_environment(ILLUSTRATION, BUCKETS, {"TRANSCRIPT_BUCKET": "x"})


# --- the bundled sample and its fixture ---------------------------------------------------------------------------


def test_fixture_is_in_transcribes_newer_format_and_fits_the_audio() -> None:
    fixture = Fixture.load(SAMPLE.stem)
    document = fixture.transcript
    assert list(document) == ["jobName", "accountId", "status", "results"]
    items = document["results"]["items"]
    assert [item["id"] for item in items] == list(range(len(items)))
    previous_end = 0.0
    for item in items:
        if item["type"] == "punctuation":
            assert "start_time" not in item
            assert item["alternatives"][0]["confidence"] == "0.0"
            continue
        assert isinstance(item["start_time"], str)
        start, end = float(item["start_time"]), float(item["end_time"])
        assert previous_end <= start < end
        previous_end = end
    length = duration_seconds(SAMPLE)
    assert length is not None
    assert previous_end < length
    for segment in document["results"]["audio_segments"]:
        assert all(0 <= i < len(items) for i in segment["items"])
    assert SAMPLE.stat().st_size <= 300 * 1024


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_fixture_subtitles_start_at_1_and_use_the_word_times(fmt: str) -> None:
    fixture = Fixture.load(SAMPLE.stem)
    starts = {round(start, 3) for _, start, _ in fixture.words()}
    separator = "." if fmt == "vtt" else ","
    cues = re.findall(rf"^(\d+)\n(\d\d):(\d\d):(\d\d){re.escape(separator)}(\d\d\d) --> ", fixture.subtitles[fmt], re.M)
    assert cues
    assert [int(cue[0]) for cue in cues] == list(range(1, len(cues) + 1))
    for _, hours, minutes, seconds, millis in cues:
        assert round(int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000, 3) in starts


def test_mp3_duration_walks_the_frames() -> None:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames of 1152 samples each.
    header = bytes([0xFF, 0xFB, 0x90, 0x00])
    frame = header + bytes(417 - 4)
    id3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + bytes(10)
    assert mp3_duration_seconds(id3 + frame * 100) == pytest.approx(100 * 1152 / 44100)
    with pytest.raises(ValueError, match="no MPEG"):
        mp3_duration_seconds(b"not audio at all")


def test_wav_duration(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(2 * 8000 * 3))
    assert duration_seconds(path) == pytest.approx(3.0)


# --- Transcribe stand-in --------------------------------------------------------------------------------------------


def test_s3_locations_of_both_uri_forms() -> None:
    assert s3_location("s3://bucket/a b/c.mp3") == ("bucket", "a b/c.mp3")
    assert s3_location("s3://bucket/what?#1 100%.mp3") == ("bucket", "what?#1 100%.mp3")  # not URL-encoded
    assert s3_location("https://s3.us-east-1.amazonaws.com/out/transcripts/j%20k.json") == (
        "out",
        "transcripts/j k.json",
    )


def test_transcript_document_follows_the_job() -> None:
    fixture = Fixture.load(SAMPLE.stem)
    plain = transcript_document(fixture, {"TranscriptionJobName": "job-1", "LanguageCode": "en-US"})
    assert plain["jobName"] == "job-1"
    assert "language_identification" not in plain["results"]
    identified = transcript_document(
        fixture, {"TranscriptionJobName": "job-2", "IdentifyLanguage": True, "Settings": {"ShowSpeakerLabels": True}}
    )
    assert identified["results"]["language_code"] == "en-US"
    assert identified["results"]["speaker_labels"]["speakers"] == 1
    assert all(
        i.get("speaker_label") == "spk_0" for i in identified["results"]["items"] if i["type"] == "pronunciation"
    )
    assert fixture.transcript["jobName"] == SAMPLE.stem  # the fixture itself is untouched


def test_cues_renumbered_for_start_index_0() -> None:
    text = "1\n00:00:00,500 --> 00:00:01,000\nHello.\n\n2\n00:00:01,000 --> 00:00:02,000\nAgain.\n"
    assert renumber_cues(text, 0).startswith("0\n00:00:00,500")
    assert "\n1\n00:00:01,000" in renumber_cues(text, 0)
    assert renumber_cues(text, 1) == text


# --- Bedrock stand-in -----------------------------------------------------------------------------------------------

WORDS = Fixture.load(SAMPLE.stem).words()


def _invoke(stand_in: BedrockRuntimeStandIn, model_id: str, body: dict) -> dict:
    response = stand_in.invoke_model(
        modelId=model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
    )
    assert response["contentType"] == "application/json"
    return json.loads(response["body"].read())


def _stability(prompt: str, aspect_ratio: str = "1:1", seed: int = 7) -> dict:
    return {
        "prompt": prompt,
        "mode": "text-to-image",
        "aspect_ratio": aspect_ratio,
        "output_format": "png",
        "seed": seed,
    }


def _nova(text: str) -> dict:
    """A request of the retired Nova Canvas / Titan shape."""
    return {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": text}, "imageGenerationConfig": {"seed": 7}}


@pytest.mark.parametrize(
    "model_id", ["amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v2:0", "stability.stable-image-core-v1:0"]
)
def test_retired_models_get_bedrocks_end_of_life_error(model_id: str) -> None:
    with pytest.raises(ClientError, match="reached the end of its life") as raised:
        _invoke(BedrockRuntimeStandIn(), model_id, _nova("a lighthouse at dawn"))
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_omni_answers_converse_with_an_image_block() -> None:
    stand_in = BedrockRuntimeStandIn()
    response = stand_in.converse(
        modelId="us.amazon.nova-2-omni-v1:0",
        messages=[{"role": "user", "content": [{"text": "Create an image: a lighthouse. Make it 16:9 (2704x1520)."}]}],
    )
    [block] = response["output"]["message"]["content"]
    assert block["image"]["format"] == "png"
    image = Image.open(io.BytesIO(block["image"]["source"]["bytes"]))
    assert image.format == "PNG"
    assert image.width > image.height
    assert response["stopReason"] == "end_turn"


def test_stability_answers_seeds_finish_reasons_and_the_requested_format() -> None:
    body = {
        "prompt": "a lighthouse",
        "mode": "text-to-image",
        "aspect_ratio": "16:9",
        "output_format": "jpeg",
        "seed": 5,
    }
    payload = _invoke(BedrockRuntimeStandIn(), "stability.sd3-5-large-v1:0", body)
    assert set(payload) == {"seeds", "finish_reasons", "images"}
    assert payload["finish_reasons"] == [None]
    assert payload["seeds"] == [5]
    image = Image.open(io.BytesIO(base64.b64decode(payload["images"][0])))
    assert image.format == "JPEG"
    assert image.width > image.height


@pytest.mark.parametrize(
    ("model_id", "body", "message"),
    [
        ("stability.stable-image-core-v1:1", _stability("x" * 10_001), "maxLength: 10000"),
        ("stability.stable-image-core-v1:1", {"prompt": "ok", "aspect_ratio": "7:3"}, "aspect_ratio"),
        ("stability.sd3-5-large-v1:0", {**_stability("ok"), "seed": -1}, "seed"),
        ("stability.stable-image-ultra-v1:1", {**_stability("ok"), "mode": "image-to-image"}, "mode"),
        ("amazon.nova-lite-v1:0", _stability("ok"), "model identifier is invalid"),
    ],
)
def test_requests_the_real_model_would_refuse_are_refused(model_id: str, body: dict, message: str) -> None:
    with pytest.raises(ClientError, match=message) as raised:
        _invoke(BedrockRuntimeStandIn(), model_id, body)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_the_image_shows_the_time_range_the_prompt_quotes() -> None:
    stand_in = BedrockRuntimeStandIn(lambda: [WORDS])
    prompt = "Watercolor. By noon, the market square is full of color, baskets of oranges. Soft light."
    _invoke(stand_in, "stability.stable-image-core-v1:1", _stability(prompt))
    [call] = stand_in.calls("invoke_model")
    assert call.span is not None
    start, end = call.span
    first = {}
    for word, word_start, word_end in WORDS:
        first.setdefault(word.lower(), (word_start, word_end))
    assert start == first["by"][0]
    assert end == first["oranges"][1]


def test_matched_span_needs_quoted_words() -> None:
    assert matched_span("a completely unrelated prompt about rockets", WORDS) is None
    found = matched_span("the lighthouse sweeps its beam across a sky", WORDS)
    assert found is not None
    assert found[2] == 8


def test_the_director_stand_in_answers_valid_labelled_json_and_cannot_translate() -> None:
    from illustrate_scenes import director
    from illustrate_scenes.plan import PlannedScene

    scenes = [
        PlannedScene(1, 0, 1, "Welcome to the harbor at dawn.", "", "", 1),
        PlannedScene(2, 1, 2, "항구에 오신 것을 환영합니다.", "", "", 2),
    ]
    request = director.director_request("us.amazon.nova-lite-v1:0", scenes, "ko-KR", None)
    stand_in = BedrockRuntimeStandIn()
    first = stand_in.converse(**request)
    assert first == stand_in.converse(**request)  # deterministic
    look, prompts, problems = director.validate_reply(director.reply_text(first), [1, 2])
    assert problems == {}
    assert look.style.startswith("[stand-in]")
    assert prompts[1] == "[stand-in] Welcome to the harbor at dawn"
    assert prompts[2].startswith("[stand-in, cannot translate ko-KR]")
    assert prompts[2].isascii()


def test_converse_keeps_the_scene_words() -> None:
    stand_in = BedrockRuntimeStandIn()
    response = stand_in.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[{"role": "user", "content": [{"text": "storm clouds roll in from the sea"}]}],
        inferenceConfig={"maxTokens": 300},
    )
    assert response["stopReason"] == "end_turn"
    assert "storm clouds roll in from the sea" in response["output"]["message"]["content"][0]["text"]
    assert set(response["usage"]) == {"inputTokens", "outputTokens", "totalTokens"}


def test_model_families() -> None:
    assert model_family("arn:aws:bedrock:us-east-1::foundation-model/stability.stable-image-ultra-v1:1") == "stability"
    assert model_family("us.amazon.nova-2-omni-v1:0") == "nova-omni"
    assert model_family("amazon.nova-canvas-v1:0") is None
    assert model_family("anthropic.claude-3-haiku-20240307-v1:0") is None


def test_answer_with_makes_the_bedrock_stand_in_fail_as_the_service_does() -> None:
    stand_in = BedrockRuntimeStandIn()

    def rule(model_id: str, prompt: str, request: dict) -> object:
        if "storm" in prompt:
            return stand_in.error("ThrottlingException", "Too many requests", 429)
        if "fog" in prompt:
            return {"seeds": [1], "finish_reasons": ["Filter reason: output image"], "images": []}
        return None

    model = "stability.stable-image-core-v1:1"
    stand_in.answer_with(rule)
    with pytest.raises(ClientError) as raised:
        _invoke(stand_in, model, _stability("a storm at sea"))
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert _invoke(stand_in, model, _stability("fog"))["finish_reasons"] == ["Filter reason: output image"]
    assert _invoke(stand_in, model, _stability("a calm sea"))["images"]
    with pytest.raises(ClientError, match="maxLength"):  # the model's own checks still come first
        _invoke(stand_in, model, _stability("storm " * 2000))
    assert [call.answer for call in stand_in.calls("invoke_model")] == [
        "error ThrottlingException",
        "document",
        "image",
    ]
    stand_in.answer_with(None)
    assert _invoke(stand_in, model, _stability("a storm at sea"))["images"]


# --- dead-letter records and the Lambda stand-in ------------------------------------------------------------------


def test_dead_letter_entries_are_lambdas_invocation_records() -> None:
    event = {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "a.mp3"}}}]}
    failed = Invocation("illustrate_scenes", "m-1", 3, event, ["a.mp3"], request_id=request_id_for("m-1"))
    failed.error_type, failed.error_message, failed.stack_trace = "RecordsFailed", "1 record(s) failed", ["  File x"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:demo-illustrate-scenes"
    record = invocation_record(failed, arn)
    assert set(record) == {
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    }
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": request_id_for("m-1"),
        "functionArn": f"{arn}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == event
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RecordsFailed"
    assert record["responsePayload"]["errorMessage"] == "1 record(s) failed"
    assert request_id_for("m-1") == request_id_for("m-1") != request_id_for("m-2")


class _Queues:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict:
        self.sent.append((QueueUrl, MessageBody))
        return {}


@pytest.mark.parametrize(
    "name",
    [
        "demo-illustrate-scenes",
        "arn:aws:lambda:us-east-1:123456789012:function:demo-illustrate-scenes",
        "arn:aws:lambda:us-east-1:123456789012:function:demo-illustrate-scenes:$LATEST",
        "123456789012:function:demo-illustrate-scenes",
    ],
)
def test_lambda_stand_in_queues_an_asynchronous_invocation_for_the_dispatcher(name: str) -> None:
    queues = _Queues()
    stand_in = LambdaStandIn(queues, {"demo-illustrate-scenes": "http://q/illustrate"}, Timeline())
    response = stand_in.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"Records": []}')
    assert response["StatusCode"] == 202
    assert queues.sent == [("http://q/illustrate", '{"Records": []}')]
    assert [i.function_name for i in stand_in.invoked()] == ["demo-illustrate-scenes"]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"FunctionName": "nope", "InvocationType": "Event", "Payload": b"{}"}, "ResourceNotFoundException"),
        ({"FunctionName": "f", "InvocationType": "Event", "Payload": b"{not json"}, "InvalidRequestContentException"),
        (
            {"FunctionName": "f", "InvocationType": "RequestResponse", "Payload": b"{}"},
            "InvalidParameterValueException",
        ),
        (
            {"FunctionName": "f", "InvocationType": "Event", "Payload": b" " * (1024 * 1024 + 1)},
            "RequestTooLargeException",
        ),
    ],
)
def test_lambda_stand_in_refuses_what_lambda_refuses(arguments: dict, code: str) -> None:
    queues = _Queues()
    stand_in = LambdaStandIn(queues, {"f": "http://q/f"}, Timeline())
    with pytest.raises(ClientError) as raised:
        stand_in.invoke(**arguments)
    assert raised.value.response["Error"]["Code"] == code
    assert queues.sent == []
    assert stand_in.invoke(FunctionName="f", InvocationType="DryRun", Payload=b"{}")["StatusCode"] == 204
    assert queues.sent == []
