"""The IAM evaluator and the call -> permission table the coverage test relies on (tests/iam)."""

from __future__ import annotations

import pytest
from iam.permissions import CALLER, DATA_ACCESS, TABLE, Call, Deployment, UncoveredCall, requirements
from iam.policy import Request, UnsupportedPolicy, evaluate, parse

KEY = "arn:aws:kms:eu-west-1:123456789012:key/k1"
VIA_S3 = "s3.eu-west-1.amazonaws.com"
PROFILE = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
DEPLOYMENT = Deployment(
    partition="aws",
    region="eu-west-1",
    account="123456789012",
    dns_suffix="amazonaws.com",
    bucket_arns={"audio": "arn:aws:s3:::talks-audio", "transcript": "arn:aws:s3:::talks-transcripts"},
    bucket_roles={"local-audio": "audio", "local-transcripts": "transcript"},
    home_region="us-east-1",
)


def policy(*statements: dict) -> list:
    return parse({"Version": "2012-10-17", "Statement": list(statements)})


def allowed(statements: list, action: str, resource: str, **context: str) -> bool:
    return evaluate(statements, Request(action, resource, context)).allowed


# --- the evaluator -------------------------------------------------------------------------------------------------


def test_allow_needs_a_matching_action_and_resource() -> None:
    p = policy({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]})
    assert allowed(p, "s3:GetObject", "arn:aws:s3:::b/k.mp3")
    assert not allowed(p, "s3:GetObjectVersion", "arn:aws:s3:::b/k.mp3")  # another action: implicit deny
    assert not allowed(p, "s3:GetObject", "arn:aws:s3:::other/k.mp3")
    assert not allowed(p, "s3:GetObject", "arn:aws:s3:::b")  # the bucket is not one of its objects


def test_actions_match_case_insensitively_with_wildcards_and_resources_case_sensitively() -> None:
    p = policy({"Effect": "Allow", "Action": "KMS:GenerateDataKey*", "Resource": "arn:aws:s3:::b/jobs/*"})
    assert allowed(p, "kms:GenerateDataKeyWithoutPlaintext", "arn:aws:s3:::b/jobs/x/y.json")  # * spans "/"
    assert not allowed(p, "kms:Generate", "arn:aws:s3:::b/jobs/x")
    assert not allowed(p, "kms:GenerateDataKey", "arn:aws:s3:::b/JOBS/x")
    single = policy({"Effect": "Allow", "Action": "s3:Get?bject", "Resource": "*"})
    assert allowed(single, "s3:GetObject", "arn:aws:s3:::b/k")
    assert not allowed(single, "s3:GetObjectVersion", "arn:aws:s3:::b/k")


def test_an_explicit_deny_wins_over_any_allow() -> None:
    p = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "arn:aws:s3:::b/*"},
    )
    decision = evaluate(p, Request("s3:DeleteObject", "arn:aws:s3:::b/k"))
    assert (decision.allowed, decision.reason) == (False, "denied by NoDeletes")
    assert allowed(p, "s3:PutObject", "arn:aws:s3:::b/k")


def test_not_action_and_not_resource_match_everything_else() -> None:
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert allowed(p, "s3:GetObject", "arn:aws:s3:::b/k")
    assert not allowed(p, "iam:PassRole", "arn:aws:iam::1:role/r")
    assert not allowed(p, "s3:GetObject", "arn:aws:s3:::secret/k")


def test_conditions_every_block_and_key_must_hold_any_value_may_match() -> None:
    p = policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KEY,
            "Condition": {
                "StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::a", "arn:aws:s3:::a/*"]},
            },
        }
    )
    via_s3 = {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert allowed(p, "kms:Decrypt", KEY, **via_s3, **{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::a"})
    assert allowed(p, "kms:Decrypt", KEY, **via_s3, **{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::a/x"})
    assert not allowed(p, "kms:Decrypt", KEY, **via_s3, **{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b"})
    assert not allowed(p, "kms:Decrypt", KEY, **{"kms:ViaService": "sqs.eu-west-1.amazonaws.com"})
    assert not allowed(p, "kms:Decrypt", KEY)  # a key the request does not carry fails a positive operator


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringNotEquals": {"k": "x"}}, {"k": "y"}, True),
        ({"StringNotEquals": {"k": "x"}}, {"k": "x"}, False),
        ({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": "abc"}, True),
        ({"ArnEquals": {"k": "arn:aws:sns:r:1:t"}}, {"k": "arn:aws:sns:r:1:t"}, True),
        ({"ArnLike": {"k": "arn:aws:sns:*:1:t"}}, {"k": "arn:aws:sns:r:1:t"}, True),
        ({"ArnNotLike": {"k": "arn:aws:sns:*:1:t"}}, {"k": "arn:aws:sns:r:1:t"}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
        ({"StringEqualsIfExists": {"k": "x"}}, {}, True),
        ({"StringEqualsIfExists": {"k": "x"}}, {"k": "y"}, False),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "false"}}, {}, False),
        (
            {"StringEquals": {"IAM:PassedToService": "transcribe.amazonaws.com"}},
            {"iam:PassedToService": "transcribe.amazonaws.com"},
            True,
        ),
    ],
)
def test_condition_operators(condition: dict, context: dict, expected: bool) -> None:
    p = policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition})
    assert allowed(p, "s3:GetObject", "arn:aws:s3:::b/k", **context) is expected


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"NumericLessThan": {"k": "1"}}},
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"},
        {"Effect": "Maybe", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Resource": "*"},
    ],
)
def test_what_the_evaluator_cannot_judge_is_refused_not_guessed(statement: dict) -> None:
    with pytest.raises(UnsupportedPolicy):
        policy(statement)


# --- the table -----------------------------------------------------------------------------------------------------


def needs(call: Call, deployment: Deployment = DEPLOYMENT) -> set[tuple[str, str, str]]:
    return {(r.principal, r.request.action, r.request.resource) for r in requirements(call, deployment)}


def test_a_versioned_ranged_get_needs_get_object_version_and_a_plain_one_get_object() -> None:
    key = {"Bucket": "local-audio", "Key": "talks/a.mp3", "Range": "bytes=0-65535"}
    versioned = Call("start_transcription", "s3", "GetObject", {**key, "VersionId": "v1"}, 206)
    assert needs(versioned) == {(CALLER, "s3:GetObjectVersion", "arn:aws:s3:::talks-audio/talks/a.mp3")}
    assert needs(Call("start_transcription", "s3", "GetObject", key, 206)) == {
        (CALLER, "s3:GetObject", "arn:aws:s3:::talks-audio/talks/a.mp3")
    }


def test_a_404_needs_list_bucket_and_sse_kms_needs_the_key_through_s3() -> None:
    call = Call("start_transcription", "s3", "HeadObject", {"Bucket": "local-audio", "Key": "gone.mp3"}, 404)
    assert (CALLER, "s3:ListBucket", "arn:aws:s3:::talks-audio") in needs(call)
    put = Call("start_transcription", "s3", "PutObject", {"Bucket": "local-transcripts", "Key": "jobs/j.json"}, 200)
    kms = [r for r in requirements(put, _with_key()) if r.request.action.startswith("kms:")]
    assert [(r.request.action, r.request.resource, dict(r.request.context)) for r in kms] == [
        (
            "kms:GenerateDataKey",
            KEY,
            {"kms:ViaService": VIA_S3, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::talks-transcripts"},
        )
    ]  # fmt: skip


def _with_key() -> Deployment:
    from dataclasses import replace

    return replace(DEPLOYMENT, kms_key_arn=KEY, data_access_role_arn="arn:aws:iam::123456789012:role/talks-da")


def test_start_transcription_job_needs_what_transcribe_does_with_the_callers_and_the_data_access_roles() -> None:
    params = {
        "TranscriptionJobName": "j",
        "Media": {"MediaFileUri": "s3://local-audio/talks/a.mp3"},
        "OutputBucketName": "local-transcripts",
        "OutputKey": "transcripts/j.json",
        "Subtitles": {"Formats": ["srt", "vtt"]},
        "OutputEncryptionKMSKeyId": KEY,
        "JobExecutionSettings": {"AllowDeferredExecution": True, "DataAccessRoleArn": "arn:aws:iam::1:role/r"},
    }
    got = needs(Call("start_transcription", "transcribe", "StartTranscriptionJob", params, 200), _with_key())
    assert (CALLER, "transcribe:StartTranscriptionJob", "*") in got
    assert (CALLER, "iam:PassRole", "arn:aws:iam::1:role/r") in got
    for principal in (CALLER, DATA_ACCESS):
        assert (principal, "s3:GetObject", "arn:aws:s3:::talks-audio/talks/a.mp3") in got
        for key in ("j.json", "j.srt", "j.vtt", ".write_access_check_file.temp"):
            assert (principal, "s3:PutObject", f"arn:aws:s3:::talks-transcripts/transcripts/{key}") in got
        for action in ("kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"):
            assert (principal, action, KEY) in got


# Calls of functions other branches add: the table covers them already, so their coverage test only needs the call.
def test_bedrock_in_another_region_and_through_an_inference_profile() -> None:
    invoke = Call(
        "illustrate_scenes",
        "bedrock-runtime",
        "InvokeModel",
        {"modelId": "stability.sd3-5-large-v1:0"},
        200,
        "us-west-2",
    )
    assert needs(invoke) == {
        (CALLER, "bedrock:InvokeModel", "arn:aws:bedrock:us-west-2::foundation-model/stability.sd3-5-large-v1:0")
    }
    home = Call(
        "illustrate_scenes", "bedrock-runtime", "Converse", {"modelId": "us.amazon.nova-lite-v1:0"}, 200, "us-east-1"
    )
    assert needs(home) == {
        (CALLER, "bedrock:InvokeModel", PROFILE),
        (CALLER, "bedrock:InvokeModel", "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0"),
    }  # fmt: skip


def test_translate_events_and_a_read_only_results_function() -> None:
    translate = Call("illustrate_scenes", "translate", "TranslateText", {"SourceLanguageCode": "ko"}, 200)
    assert needs(translate) == {(CALLER, "translate:TranslateText", "*")}
    auto = Call("illustrate_scenes", "translate", "TranslateText", {"SourceLanguageCode": "auto"}, 200)
    assert (CALLER, "comprehend:DetectDominantLanguage", "*") in needs(auto)
    put_events = Call("start_transcription", "events", "PutEvents", {"Entries": [{"Source": "talks"}]}, 200)
    assert needs(put_events) == {
        (CALLER, "events:PutEvents", "arn:aws:events:eu-west-1:123456789012:event-bus/default")
    }
    head = Call("results", "s3", "HeadObject", {"Bucket": "local-transcripts", "Key": "transcripts/j.json"}, 200)
    assert needs(head) == {(CALLER, "s3:GetObject", "arn:aws:s3:::talks-transcripts/transcripts/j.json")}


def test_a_call_the_table_does_not_know_is_reported_not_ignored() -> None:
    with pytest.raises(UncoveredCall, match="s3:DeleteObject"):
        requirements(
            Call("start_transcription", "s3", "DeleteObject", {"Bucket": "local-audio", "Key": "k"}), DEPLOYMENT
        )
    with pytest.raises(UncoveredCall, match="none of the deployment's buckets"):
        requirements(Call("start_transcription", "s3", "GetObject", {"Bucket": "elsewhere", "Key": "k"}), DEPLOYMENT)


def test_every_row_names_a_source_and_every_exception_says_why() -> None:
    for key, rows in TABLE["calls"].items():
        assert rows, key
        for row in rows:
            assert row["source"] in TABLE["sources"], (key, row)
    for exception in TABLE["exceptions"]:
        assert exception["why"], exception
        assert exception["actions"], exception
        assert exception["source"] in TABLE["sources"], exception
