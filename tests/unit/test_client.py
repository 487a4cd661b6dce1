"""scripts/client.py: the checks before upload, the HTTP errors it explains, its settings, and following a job."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import client
import pytest
from audio_headers import HEADERS, write_audio
from moto import mock_aws
from pipeline_client import settings as client_settings

from pipeline_core import naming
from presign_upload import uploads

# --- checks before anything is sent -----------------------------------------------------------------------------------


def write(path: Path, size: int) -> Path:
    return write_audio(path, size)  # sparse, with the signature of its extension


@pytest.mark.parametrize("name", ["talk.mp3", "TALK.MP3", "memo.m4a", "clip.webm"])
def test_accepted_formats_pass(tmp_path: Path, name: str) -> None:
    audio = client.check_file(write(tmp_path / name, 10))
    assert audio.name == name
    assert audio.size == 10
    assert audio.content_type.startswith(("audio/", "video/"))


@pytest.mark.parametrize("name", ["notes.txt", "talk.mp3.zip", "README"])
def test_unsupported_format_is_refused_before_upload(tmp_path: Path, name: str) -> None:
    with pytest.raises(client.UnsupportedFileError, match=r"accepts \.amr, \.flac") as raised:
        client.check_file(write(tmp_path / name, 10))
    assert raised.value.exit_code == client.EXIT_UNSUPPORTED


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(client.UnsupportedFileError, match="empty"):
        client.check_file(write(tmp_path / "silence.mp3", 0))


def test_files_up_to_transcribes_limit_pass_and_larger_ones_are_refused(tmp_path: Path) -> None:
    assert client.check_file(write(tmp_path / "over-api.wav", client.UPLOAD_LIMIT + 1)).size == client.UPLOAD_LIMIT + 1
    assert client.check_file(write(tmp_path / "limit.wav", client.MAX_FILE_SIZE)).size == client.MAX_FILE_SIZE
    with pytest.raises(client.TooLargeError, match="at most 2 GB") as raised:
        client.check_file(write(tmp_path / "huge.wav", client.MAX_FILE_SIZE + 1))
    assert raised.value.exit_code == client.EXIT_TOO_LARGE


@pytest.mark.parametrize("name", ["Talk.Mp3", "talk.mP3", "Memo.M4a", "clip.WebM"])
def test_a_mixed_case_extension_is_refused_with_the_rename_hint(tmp_path: Path, name: str) -> None:
    with pytest.raises(client.UnsupportedFileError, match="rename it to") as raised:
        client.check_file(write(tmp_path / name, 10))
    assert raised.value.exit_code == client.EXIT_UNSUPPORTED
    # The same hint as the presign function's 400, word for word.
    hint = uploads.mixed_case_hint(name)
    assert hint is not None
    assert hint in str(raised.value)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(client.UsageError, match="no such audio file"):
        client.check_file(tmp_path / "nope.mp3")
    with pytest.raises(client.UsageError, match="is a directory"):
        client.check_file(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("talk.mp3", b"%PDF-1.7 not audio at all" * 100, "not MP3 audio (a PDF document)"),
        ("talk.mp3", b"\x00" * 4096, "not MP3 audio (its first bytes match no audio format)"),
        ("talk.mp3", HEADERS["wav"] + b"\x00" * 100, "WAV audio but named .mp3; rename it to .wav"),
        ("talk.wav", HEADERS["flac"] + b"\x00" * 100, "FLAC audio but named .wav; rename it to .flac"),
        ("memo.m4a", HEADERS["ogg"] + b"\x00" * 100, "OGG audio but named .m4a; rename it to .ogg"),
        ("clip.webm", b"<html><body>404</body></html>", "not WEBM audio (HTML or XML text)"),
        ("voice.amr", b'{"not": "audio"}', "not AMR audio (JSON text)"),
        ("talk.flac", b"PK\x03\x04" + b"\x00" * 100, "not FLAC audio (a ZIP archive"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused(
    tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(client.UnsupportedFileError, match=re.escape(says)) as raised:
        client.check_file(path)
    assert raised.value.exit_code == client.EXIT_UNSUPPORTED
    assert "Nothing was uploaded" in str(raised.value)


@pytest.mark.parametrize("extension", sorted(HEADERS))
def test_each_formats_signature_passes(tmp_path: Path, extension: str) -> None:
    assert client.check_file(write(tmp_path / f"a.{extension}", 64)).media_format == extension


def test_mp3_without_a_tag_passes_on_its_frames_and_the_bundled_sample_passes(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "demo" / "sample-talk.mp3"
    assert client.check_file(sample).media_format == "mp3"
    data = sample.read_bytes()
    first_frame = data.index(b"\xff\xf3") if data.startswith(b"ID3") else 0
    raw = tmp_path / "raw.mp3"
    raw.write_bytes(data[first_frame:])
    assert not raw.read_bytes().startswith(b"ID3")
    assert client.check_file(raw).media_format == "mp3"


@pytest.mark.parametrize("folder", ["", "a/b", "..", "."])
def test_folder_must_be_one_path_segment(folder: str) -> None:
    with pytest.raises(client.UsageError):
        client.check_folder(folder)


def test_object_url_encodes_each_segment() -> None:
    url = client.object_url("https://x.execute-api.eu-west-1.amazonaws.com/v1/", "Fall talks + Q&A", "Zoë + 1/2.mp3")
    assert (
        url == "https://x.execute-api.eu-west-1.amazonaws.com/v1/Fall%20talks%20%2B%20Q%26A/Zo%C3%AB%20%2B%201%2F2.mp3"
    )


# --- settings -----------------------------------------------------------------------------------------------------


def test_flags_beat_environment_beat_terraform() -> None:
    calls = []

    def outputs() -> dict[str, Any]:
        calls.append(1)
        return {"stage_url": "https://tf/v1", "api_key_value": "tf-key", "image_bucket_name": "tf-images"}

    deployment = client.resolve_deployment(
        {"url": "https://flag/v1/", "api_key": None},
        {"PIPELINE_API_KEY": "env-key", "PIPELINE_STAGE_URL": "https://env/v1"},
        outputs,
    )
    assert deployment.url == "https://flag/v1"
    assert deployment.api_key == "env-key"
    assert deployment.image_bucket == "tf-images"
    assert deployment.audio_bucket is None
    assert deployment.sources["image_bucket"] == "terraform output image_bucket_name"
    assert len(calls) == 1


def test_terraform_is_not_run_when_everything_is_given() -> None:
    names = ("url", "api_key", "audio_bucket", "transcript_bucket", "image_bucket")
    flags = {name: f"https://{name}/v1" for name in names}

    def outputs() -> dict[str, Any]:
        raise AssertionError("terraform output was run")

    assert client.resolve_deployment(flags, {}, outputs).url == "https://url/v1"


def test_stage_url_must_be_http() -> None:
    with pytest.raises(client.UsageError, match="https://"):
        client.resolve_deployment({"url": "file:///etc/passwd"}, {}, dict)


def test_region_comes_from_the_stage_url() -> None:
    assert client.Deployment(url="https://abc123.execute-api.eu-central-1.amazonaws.com/v1").region == "eu-central-1"
    assert client.Deployment(url="http://127.0.0.1:8080/v1").region is None


def test_terraform_outputs_are_read_from_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(client_settings.shutil, "which", lambda name: "/usr/bin/terraform")

    @dataclass
    class Done:
        returncode: int = 0
        stdout: str = json.dumps(
            {
                "stage_url": {"value": "https://s/v1", "type": "string"},
                "api_key_value": {"value": "k", "sensitive": True},
            }
        )

    seen: list[list[str]] = []

    def run(args: list[str], **_: Any) -> Done:
        seen.append(args)
        return Done()

    assert client.terraform_outputs(tmp_path, run) == {"stage_url": "https://s/v1", "api_key_value": "k"}
    assert seen == [["terraform", f"-chdir={tmp_path}", "output", "-json"]]
    assert client.terraform_outputs(tmp_path, lambda *a, **k: Done(returncode=1)) == {}


# --- the upload against a stub API ----------------------------------------------------------------------------------


@dataclass
class Stub:
    """The upload API (PUT, and POST answering with a URL to this same server's /s3/ path, as S3 would be)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"ETag": '"abc"'})
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    post_status: int = 200
    post_body: bytes | None = None  # None: a presigned answer for the requested key

    def presigned_answer(self, path: str, document: dict[str, Any]) -> bytes:
        key = unquote(path.removeprefix("/v1/"))
        return json.dumps({
            "url": f"{self.url.removesuffix('/v1')}/s3/audio/{path.removeprefix('/v1/')}?X-Amz-Signature=s3cr3t",
            "method": "PUT",
            "headers": {"Content-Type": document["content_type"], "Content-Length": str(document["size"])},
            "key": key,
            "bucket": "audio",
            "size": document["size"],
            "expires_in": 900,
        }).encode()  # fmt: skip


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _record(self) -> bytes:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.requests.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
            return body

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            self._record()
            self._answer(state.status, state.body, state.headers)

        def do_POST(self) -> None:
            request = self._record()
            body = state.post_body
            if body is None:
                body = state.presigned_answer(urlsplit(self.path).path, json.loads(request))
            self._answer(state.post_status, body, {"Content-Type": "application/json"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def talk(tmp_path: Path) -> client.AudioFile:
    path = tmp_path / "Zoë talk.mp3"
    path.write_bytes(b"ID3\x00binary\xff\x00audio")
    return client.check_file(path)


def test_upload_sends_the_file_with_key_and_content_type(stub: Stub, talk: client.AudioFile) -> None:
    uploaded = client.upload(talk, stage_url=stub.url, api_key="secret", folder="talks")
    assert uploaded.key == "talks/Zoë talk.mp3"
    assert uploaded.status == 200
    assert uploaded.etag == '"abc"'
    [request] = stub.requests
    assert request["path"] == "/v1/talks/Zo%C3%AB%20talk.mp3"
    assert request["body"] == talk.path.read_bytes()
    assert request["headers"]["x-api-key"] == "secret"
    assert request["headers"]["Content-Type"] == "audio/mpeg"


@pytest.mark.parametrize(
    ("status", "body", "api_key", "error", "message"),
    [
        (403, b'{"message":"Forbidden"}', "wrong", client.ForbiddenError, "API key was not accepted"),
        (403, b'{"message":"Forbidden"}', None, client.ForbiddenError, "requires an API key"),
        (403, b'{"message":"Missing Authentication Token"}', "k", client.UsageError, "check the stage URL"),
        (
            403,
            b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            "k",
            client.ForbiddenError,
            "Access Denied",
        ),
        (413, b'{"message":"Request Too Long"}', "k", client.TooLargeError, "10 MB"),
        (429, b'{"message":"Limit Exceeded"}', "k", client.UploadFailedError, "quota"),
        (
            500,
            b"<Error><Code>InternalError</Code><Message>We encountered an internal error</Message></Error>",
            "k",
            client.UploadFailedError,
            "internal error",
        ),
    ],
)
def test_http_errors_are_explained(
    stub: Stub, talk: client.AudioFile, status: int, body: bytes, api_key: str | None, error: type, message: str
) -> None:
    stub.status, stub.body, stub.headers = status, body, {}
    with pytest.raises(error, match=message):
        client.upload(talk, stage_url=stub.url, api_key=api_key, folder="talks")


def test_no_answer_is_a_timeout(talk: client.AudioFile) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        with pytest.raises(client.WaitTimeoutError, match="did not answer") as raised:
            client.upload(talk, stage_url=url, api_key="k", folder="talks", timeout=0.3)
    assert raised.value.exit_code == client.EXIT_TIMEOUT


def test_unreachable_api_is_an_upload_failure(talk: client.AudioFile) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(client.UploadFailedError, match="could not reach"):
        client.upload(talk, stage_url=f"http://127.0.0.1:{port}/v1", api_key="k", folder="talks", timeout=5)


# --- the presigned way: files over the API's 10 MB ----------------------------------------------------------------


@pytest.fixture
def large(tmp_path: Path) -> client.AudioFile:
    """Just over the upload API's limit, with bytes that differ along the file."""
    path = tmp_path / "Long talk.wav"
    block = bytes(range(256)) * 4096  # 1 MB
    path.write_bytes(HEADERS["wav"] + block * 10 + b"\x00tail\xff")
    return client.check_file(path)


def test_a_file_over_the_limit_gets_a_url_and_goes_to_s3_with_the_signed_headers_only(
    stub: Stub, large: client.AudioFile
) -> None:
    uploaded = client.upload(large, stage_url=stub.url, api_key="secret", folder="talks")
    post, put = stub.requests
    assert (post["method"], post["path"]) == ("POST", "/v1/talks/Long%20talk.wav")
    assert post["headers"]["x-api-key"] == "secret"
    assert post["headers"]["Content-Type"] == "application/json"
    assert json.loads(post["body"]) == {"size": large.size, "content_type": "audio/wav"}

    assert (put["method"], urlsplit(put["path"]).path) == ("PUT", "/s3/audio/talks/Long%20talk.wav")
    assert put["body"] == large.path.read_bytes()
    assert put["headers"]["Content-Type"] == "audio/wav"
    assert put["headers"]["Content-Length"] == str(large.size)
    assert "x-api-key" not in put["headers"]  # the API key is for API Gateway, never sent to S3
    assert (uploaded.key, uploaded.status, uploaded.via, uploaded.size) == (
        "talks/Long talk.wav", 200, "presigned URL", large.size
    )  # fmt: skip
    assert "s3cr3t" not in uploaded.url  # the signature is a credential: not kept, not printed


def test_a_small_file_goes_through_the_api_unless_presigned_is_asked(stub: Stub, talk: client.AudioFile) -> None:
    assert client.upload(talk, stage_url=stub.url, api_key="k", folder="f").via == "upload API"
    assert [request["method"] for request in stub.requests] == ["PUT"]
    assert client.upload(talk, stage_url=stub.url, api_key="k", folder="f", presigned=True).via == "presigned URL"
    assert [request["method"] for request in stub.requests] == ["PUT", "POST", "PUT"]


def test_progress_is_shown_in_quarters_off_a_terminal(stub: Stub, large: client.AudioFile) -> None:
    stream = io.StringIO()
    client.upload(large, stage_url=stub.url, api_key="k", folder="talks", progress=client.Progress(stream))
    lines = stream.getvalue().splitlines()
    assert [line.split("] ", 1)[1].split(" (")[0] for line in lines if "] sent " in line] == [
        "sent 25%", "sent 50%", "sent 75%", "sent 100%"
    ]  # fmt: skip
    assert any("presigned S3 URL for talks/Long talk.wav, valid 900 s" in line for line in lines)
    assert "s3cr3t" not in stream.getvalue()


@pytest.mark.parametrize(
    ("post_status", "post_body", "error", "message"),
    [
        (403, b'{"message":"Missing Authentication Token"}', client.UsageError, "presigned_upload_enabled = false"),
        (403, b'{"message":"Forbidden"}', client.ForbiddenError, "API key was not accepted"),
        (400, b'{"message":"size: 5 bytes is over"}', client.UploadFailedError, "refused to sign the upload: size: 5"),
        (429, b'{"message":"Limit Exceeded"}', client.UploadFailedError, "quota"),
        (200, b"<html>proxy</html>", client.UploadFailedError, "without a JSON body"),
        (200, b'{"url": "ftp://x/y", "key": "talks/Long talk.wav"}', client.UploadFailedError, "without an upload URL"),
        (200, b'{"url": "https://s3/x", "key": "talks/other.wav"}', client.UploadFailedError, "not a PUT of"),
    ],
)
def test_answers_to_the_post_are_explained_and_nothing_is_put(
    stub: Stub, large: client.AudioFile, post_status: int, post_body: bytes, error: type, message: str
) -> None:
    stub.post_status, stub.post_body = post_status, post_body
    with pytest.raises(error, match=message):
        client.upload(large, stage_url=stub.url, api_key="k", folder="talks")
    assert [request["method"] for request in stub.requests] == ["POST"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", "presigned URL expired"),
        (
            b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
            b"</Message></Error>",
            "does not match the signed URL",
        ),
    ],
)
def test_s3_refusing_the_put_is_explained(stub: Stub, large: client.AudioFile, body: bytes, message: str) -> None:
    stub.status, stub.body, stub.headers = 403, body, {}
    with pytest.raises(client.UploadFailedError, match=message) as raised:
        client.upload(large, stage_url=stub.url, api_key="k", folder="talks")
    assert "s3cr3t" not in str(raised.value)


# --- the command line ---------------------------------------------------------------------------------------------


def run_main(args: list[str], environ: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    return client.main(args, environ, out), out.getvalue()


def test_main_uploads_and_prints_the_key(stub: Stub, talk: client.AudioFile) -> None:
    code, out = run_main(
        ["upload", str(talk.path), "--folder", "f", "--quiet"],
        {"PIPELINE_STAGE_URL": stub.url, "PIPELINE_API_KEY": "k"},
    )
    assert code == client.EXIT_OK
    assert out == "f/Zoë talk.mp3\n"


def test_main_refuses_bad_files_without_sending_anything(
    stub: Stub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"PIPELINE_STAGE_URL": stub.url, "PIPELINE_API_KEY": "k"}
    assert run_main(["upload", str(write(tmp_path / "notes.txt", 5))], env)[0] == client.EXIT_UNSUPPORTED
    assert run_main(["upload", str(write(tmp_path / "Talk.Mp3", 5))], env)[0] == client.EXIT_UNSUPPORTED
    big = write(tmp_path / "big.flac", client.MAX_FILE_SIZE + 1)
    assert run_main(["upload", str(big)], env)[0] == client.EXIT_TOO_LARGE
    long_name = write(tmp_path / ("x" * 250 + ".mp3"), 5)
    assert run_main(["upload", str(long_name), "--folder", "ü" * 400], env)[0] == client.EXIT_USAGE
    assert stub.requests == []
    err = capsys.readouterr().err
    assert "unsupported format ('.txt')" in err
    assert "rename it to 'Talk.mp3'" in err
    assert "S3 allows at most 1024" in err


def test_main_uploads_a_large_file_through_a_presigned_url(
    stub: Stub, large: client.AudioFile, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_main(["upload", str(large.path), "--folder", "f"], {"PIPELINE_STAGE_URL": stub.url})
    assert code == client.EXIT_OK
    assert out == "f/Long talk.wav\n"
    err = capsys.readouterr().err
    assert "over the upload API's 10 MB limit, via a presigned S3 URL" in err
    assert "sent 100%" in err
    assert [request["method"] for request in stub.requests] == ["POST", "PUT"]


def test_main_without_a_stage_url_says_where_to_get_one(
    tmp_path: Path, talk: client.AudioFile, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(client, "terraform_outputs", lambda directory: {})
    code, _ = run_main(["upload", str(talk.path)], {})
    assert code == client.EXIT_USAGE
    assert "PIPELINE_STAGE_URL" in capsys.readouterr().err


def test_main_maps_403_to_its_exit_code(stub: Stub, talk: client.AudioFile) -> None:
    stub.status, stub.body = 403, b'{"message":"Forbidden"}'
    code, _ = run_main(["upload", str(talk.path)], {"PIPELINE_STAGE_URL": stub.url, "PIPELINE_API_KEY": "bad"})
    assert code == client.EXIT_FORBIDDEN


# --- following a job (moto) ---------------------------------------------------------------------------------------

AUDIO, TRANSCRIPTS, IMAGES = "audio-bucket", "transcript-bucket", "image-bucket"
DEPLOYMENT = client.Deployment(
    url="https://x/v1", audio_bucket=AUDIO, transcript_bucket=TRANSCRIPTS, image_bucket=IMAGES
)
KEY = "talks/a talk.mp3"


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in (AUDIO, TRANSCRIPTS, IMAGES):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=AUDIO, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=AUDIO, Key=KEY, Body=b"audio")
        yield s3


def job_of(s3: Any) -> str:
    head = s3.head_object(Bucket=AUDIO, Key=KEY)
    return naming.job_name(AUDIO, KEY, head["ETag"].strip('"'))


def put_json(s3: Any, bucket: str, key: str, document: dict[str, Any]) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(document).encode())


def finish(s3: Any, job: str, status: str = "complete") -> None:
    put_json(s3, TRANSCRIPTS, naming.job_record_key(job), {"job_name": job})
    put_json(s3, TRANSCRIPTS, naming.transcript_key(job), {"jobName": job})
    s3.put_object(Bucket=TRANSCRIPTS, Key=naming.subtitle_key(job, "srt"), Body=b"1\n")
    s3.put_object(Bucket=IMAGES, Key=naming.scene_image_key(job, 1), Body=b"\x89PNG\r\n\x1a\n")
    s3.put_object(Bucket=IMAGES, Key=naming.gallery_key(job), Body=b"<html></html>")
    scene = {"index": 1, "start": 0.0, "end": 1.0, "status": "ok", "image_key": naming.scene_image_key(job, 1)}
    put_json(s3, IMAGES, naming.manifest_key(job), {"status": status, "retryable": False, "scenes": [scene]})


def test_candidate_job_is_the_same_for_every_version_of_the_same_content(s3: Any) -> None:
    first = s3.head_object(Bucket=AUDIO, Key=KEY)
    s3.put_object(Bucket=AUDIO, Key=KEY, Body=b"audio")  # the same bytes again: a new version
    again = s3.head_object(Bucket=AUDIO, Key=KEY)
    assert first["VersionId"] != again["VersionId"]
    assert client.candidate_jobs(AUDIO, KEY, first) == client.candidate_jobs(AUDIO, KEY, again) == [job_of(s3)]


def test_follow_finds_the_job_and_downloads_everything(s3: Any, tmp_path: Path) -> None:
    job = job_of(s3)
    finish(s3, job)
    followed = client.follow(KEY, DEPLOYMENT, s3, timeout=5, poll_seconds=0.01)
    assert followed.job == job
    assert set(followed.transcript_keys) == {"json", "srt"}  # no .vtt: silent parts of Transcribe's output may lack one
    files = client.download(s3, DEPLOYMENT, followed, tmp_path / "out")
    assert sorted(path.name for path in files) == [
        "index.html", "manifest.json", "scene-001.png", "transcript.json", "transcript.srt"
    ]  # fmt: skip


def test_follow_reports_a_rejection(s3: Any) -> None:
    job = job_of(s3)
    put_json(s3, TRANSCRIPTS, naming.rejection_key(job), {"reason": "empty-object", "detail": "the object is empty"})
    with pytest.raises(client.PipelineError, match="empty-object: the object is empty") as raised:
        client.follow(KEY, DEPLOYMENT, s3, timeout=5, poll_seconds=0.01)
    assert raised.value.exit_code == client.EXIT_PIPELINE


def test_follow_reports_a_failed_illustration(s3: Any) -> None:
    finish(s3, job_of(s3), status="failed")
    with pytest.raises(client.PipelineError, match="could not illustrate"):
        client.follow(KEY, DEPLOYMENT, s3, timeout=5, poll_seconds=0.01)


def test_follow_reports_a_failed_transcription_job(s3: Any) -> None:
    job = job_of(s3)
    put_json(s3, TRANSCRIPTS, naming.job_record_key(job), {"job_name": job})

    class Transcribe:
        def get_transcription_job(self, TranscriptionJobName: str) -> dict[str, Any]:
            return {"TranscriptionJob": {"TranscriptionJobStatus": "FAILED", "FailureReason": "Invalid file"}}

    with pytest.raises(client.PipelineError, match="Invalid file"):
        client.follow(KEY, DEPLOYMENT, s3, transcribe=Transcribe(), timeout=5, poll_seconds=0.01)


def test_follow_times_out_naming_the_stage(s3: Any) -> None:
    job = job_of(s3)
    put_json(s3, TRANSCRIPTS, naming.job_record_key(job), {"job_name": job})
    with pytest.raises(client.WaitTimeoutError, match="waiting for the transcript") as raised:
        client.follow(KEY, DEPLOYMENT, s3, timeout=0.2, poll_seconds=0.01)
    assert raised.value.exit_code == client.EXIT_TIMEOUT


def test_follow_gives_up_at_once_when_the_result_can_never_come(s3: Any) -> None:
    job = job_of(s3)
    put_json(s3, TRANSCRIPTS, naming.job_record_key(job), {"job_name": job})
    reasons = iter([None, None, "the illustrate_scenes event ended in its dead-letter queue"])
    started = time.monotonic()
    with pytest.raises(client.PipelineError, match="dead-letter queue") as raised:
        client.follow(KEY, DEPLOYMENT, s3, timeout=60, poll_seconds=0.01, give_up=lambda: next(reasons))
    assert time.monotonic() - started < 10  # not the 60 s timeout
    assert raised.value.exit_code == client.EXIT_PIPELINE


def test_follow_needs_the_bucket_names(s3: Any) -> None:
    with pytest.raises(client.UsageError, match="image"):
        client.follow(KEY, client.Deployment(audio_bucket=AUDIO, transcript_bucket=TRANSCRIPTS), s3, timeout=1)


def test_progress_prints_stage_lines_without_a_spinner_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = client.Progress(stream)
    progress.waiting("the transcript")
    progress.stage("transcript written")
    assert stream.getvalue().endswith("] transcript written\n")
    assert "waiting" not in stream.getvalue()
