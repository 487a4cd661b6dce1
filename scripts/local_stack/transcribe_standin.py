"""Stand-in for the part of Amazon Transcribe that moto leaves out: finishing a job and writing its output.

moto records StartTranscriptionJob and walks the job to COMPLETED on GetTranscriptionJob, reporting where the output
is (TranscriptFileUri, SubtitleFileUris) but writing nothing. This watcher finds new jobs on the emulator, waits for
them to complete there, and writes the output files to exactly those locations: a transcript fixture in Transcribe's
real format, chosen by the job's media (the bundled sample), with the job name filled in and the job's settings
applied (language identification, speaker labels, subtitle start index). Subtitles first and the transcript last,
so the transcript's event finds its siblings in place.

A fixture made with `Fixture.failing` plays a job Transcribe cannot do (corrupt audio, a format that is not what the
extension says): the job is marked FAILED on the emulator, nothing is written, and the "Transcribe Job State Change"
event that the module's EventBridge rule matches goes to whatever `deliver_events_to` was given (the local stack's
Lambda stand-in, for the transcription function), as EventBridge would send it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from local_stack.environment import ACCOUNT_ID, REGION
from local_stack.timeline import Timeline
from local_stack.transcribe_output import add_single_speaker

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SAMPLE_AUDIO = DEMO_DIR / "sample-talk.mp3"
FIXTURES = DEMO_DIR / "fixtures"

CONTENT_TYPES = {"json": "application/json", "srt": "application/x-subrip", "vtt": "text/vtt"}


@dataclass(frozen=True)
class Fixture:
    name: str
    # Transcribe's JSON; bytes are written as they are (e.g. a broken file, to see what the image function makes of it)
    transcript: dict[str, Any] | bytes
    # format -> text, cue numbers starting at 1; a format left out is not written (Transcribe writes no subtitle file
    # for audio without speech)
    subtitles: dict[str, str]
    # set: the job FAILS with this FailureReason and writes nothing
    failure_reason: str | None = None

    @classmethod
    def failing(cls, name: str, reason: str) -> Fixture:
        """A job Transcribe fails, e.g. "Failed to parse audio file. Make sure the file is valid and try again."."""
        return cls(name, b"", {}, reason)

    @classmethod
    def load(cls, name: str, directory: Path = FIXTURES) -> Fixture:
        transcript = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        subtitles = {fmt: (directory / f"{name}.{fmt}").read_text(encoding="utf-8") for fmt in ("srt", "vtt")}
        return cls(name, transcript, subtitles)

    def words(self) -> list[tuple[str, float, float]]:
        """(word, start, end) of every pronunciation item."""
        transcript = self.transcript
        if isinstance(transcript, bytes):  # final bytes: a recognizer's output, or a deliberately broken file
            try:
                transcript = json.loads(transcript)
                items = transcript["results"]["items"]
            except (ValueError, KeyError, TypeError):
                return []
        else:
            items = transcript["results"]["items"]
        return [
            (item["alternatives"][0]["content"], float(item["start_time"]), float(item["end_time"]))
            for item in items
            if item["type"] == "pronunciation"
        ]


def bundled_fixtures() -> dict[str, Fixture]:
    """sha256 of each bundled sample audio file -> its fixture."""
    return {hashlib.sha256(SAMPLE_AUDIO.read_bytes()).hexdigest(): Fixture.load(SAMPLE_AUDIO.stem)}


def s3_location(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// URI or of the https://s3.<region>.amazonaws.com/<bucket>/<key> form Transcribe uses."""
    if uri.startswith("s3://"):
        # Taken apart by hand: the key is not URL-encoded, so a '?' or '#' in it is part of the key.
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return bucket, key
    parsed = urlparse(uri)
    bucket, _, key = parsed.path.lstrip("/").partition("/")
    return bucket, unquote(key)


def transcript_document(fixture: Fixture, job: dict[str, Any]) -> dict[str, Any]:
    """The fixture as this job's output: its name, account, identified language and speaker labels."""
    if isinstance(fixture.transcript, bytes):
        raise TypeError(f"fixture {fixture.name} holds raw bytes, not a transcript document")
    document = copy.deepcopy(fixture.transcript)
    document["jobName"] = job["TranscriptionJobName"]
    document["accountId"] = ACCOUNT_ID
    results = document["results"]
    if job.get("IdentifyLanguage"):
        code = job.get("LanguageCode") or "en-US"
        results["language_code"] = code
        results["language_identification"] = [{"score": "0.9981", "code": code}]
    if job.get("Settings", {}).get("ShowSpeakerLabels"):
        add_single_speaker(results)  # the sample has one voice
    return document


def job_state_change_event(
    job_name: str, status: str, failure_reason: str | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The EventBridge event Transcribe sends when a job ends (TR-DG monitoring-events); FailureReason only when
    FAILED."""
    detail: dict[str, Any] = {"TranscriptionJobName": job_name, "TranscriptionJobStatus": status}
    if failure_reason is not None:
        detail["FailureReason"] = failure_reason
    moment = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Transcribe Job State Change",
        "source": "aws.transcribe",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def mark_failed_on_emulator(job_name: str, reason: str) -> bool:
    """Set the job FAILED in the in-process moto backend (its API has no way to fail a job); False when that is not
    possible, e.g. moto runs in another process."""
    try:
        from moto.transcribe.models import transcribe_backends

        job = transcribe_backends[ACCOUNT_ID][REGION].transcriptions[job_name]
    except (ImportError, KeyError, AttributeError):
        return False
    job.status = "FAILED"
    job.failure_reason = reason
    return True


def renumber_cues(text: str, start_index: int) -> str:
    """Subtitle text with its cue numbers starting at `start_index` (the fixtures start at 1)."""
    if start_index == 1:
        return text
    return re.sub(r"(?m)^(\d+)$", lambda m: str(int(m.group(1)) - 1 + start_index), text)


# What writes a job's output when its media has no fixture: (GetTranscriptionJob's TranscriptionJob, media bytes) ->
# the output as a Fixture, with the label the timeline shows (e.g. recognizer.job_output: real speech recognition).
Recognize = Callable[[dict[str, Any], bytes], Fixture]


class TranscribeStandIn:
    def __init__(
        self,
        transcribe: Any,
        s3: Any,
        timeline: Timeline,
        *,
        fixtures: dict[str, Fixture] | None = None,
        recognize: tuple[str, Recognize] | None = None,
        concurrent_job_quota: int | None = None,
        job_seconds: float = 0.0,
    ) -> None:
        self._transcribe = transcribe
        self._s3 = s3
        self._timeline = timeline
        self._fixtures = fixtures if fixtures is not None else bundled_fixtures()
        # (label, function) for media without a fixture; None: the bundled sample's transcript, as a fixture
        self._recognize = recognize
        self._fallback = next(iter(self._fixtures.values()), None)
        self._handled: set[str] = set()
        self._written: dict[str, Fixture] = {}  # job name -> fixture written
        self._failed: dict[str, str] = {}  # job name -> FailureReason
        self._deliver: Callable[[dict[str, Any]], Any] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Transcribe's concurrent-job quota (None: none): a job started through `accept` holds a slot until its
        # output is written, and for at least `job_seconds` (a real job runs for minutes; this one in milliseconds).
        self._quota = concurrent_job_quota
        self._job_seconds = job_seconds
        self._accepted: dict[str, float] = {}  # job name -> when it was accepted (time.monotonic)
        self.over_quota = {"refused": 0, "queued": 0}

    def accept(self, request: dict[str, Any]) -> None:
        """Where a job is accepted (JobQuota calls it before StartTranscriptionJob reaches the emulator): over the
        quota, Transcribe queues a job that allows deferred execution and refuses any other with
        LimitExceededException (JobExecutionSettings, aws-facts.md 1.3). This stand-in writes jobs one at a time, so a
        queued job simply waits its turn."""
        from botocore.exceptions import ClientError

        with self._lock:
            now = time.monotonic()
            running = sum(
                1 for name, at in self._accepted.items() if name not in self._handled or now < at + self._job_seconds
            )
            if self._quota is not None and running >= self._quota:
                if request.get("JobExecutionSettings", {}).get("AllowDeferredExecution"):
                    self.over_quota["queued"] += 1
                else:
                    self.over_quota["refused"] += 1
                    message = "You have reached your limit of concurrent transcription jobs. Wait and try again."
                    error = {"Error": {"Code": "LimitExceededException", "Message": message}}
                    raise ClientError(error, "StartTranscriptionJob")  # type: ignore[arg-type]
            self._accepted[request["TranscriptionJobName"]] = now

    def start(self, interval: float = 0.1) -> None:
        self._thread = threading.Thread(target=self._run, args=(interval,), name="transcribe-stand-in", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def written(self) -> dict[str, Fixture]:
        with self._lock:
            return dict(self._written)

    def failed(self) -> dict[str, str]:
        """Job name -> FailureReason of every job the stand-in failed."""
        with self._lock:
            return dict(self._failed)

    def deliver_events_to(self, deliver: Callable[[dict[str, Any]], Any] | None) -> None:
        """Where the FAILED job state changes go, as the module's EventBridge rule sends them to the transcription
        function (e.g. an asynchronous invocation through the Lambda stand-in); None: nowhere."""
        with self._lock:
            self._deliver = deliver

    def register(self, media: bytes, fixture: Fixture) -> None:
        """Jobs whose media is exactly `media` get `fixture`'s output (other media get the bundled sample's)."""
        with self._lock:
            self._fixtures[hashlib.sha256(media).hexdigest()] = fixture

    def job_names(self) -> list[str]:
        names: list[str] = []
        token: dict[str, str] = {}
        while True:
            page = self._transcribe.list_transcription_jobs(MaxResults=100, **token)
            names += [summary["TranscriptionJobName"] for summary in page.get("TranscriptionJobSummaries", [])]
            if not page.get("NextToken"):
                return names
            token = {"NextToken": page["NextToken"]}

    def busy(self) -> bool:
        """Whether a job on the emulator is still waiting for its output."""
        with self._lock:
            handled = set(self._handled)
        return any(name not in handled for name in self.job_names())

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            for name in self._job_names_now():
                with self._lock:
                    if name in self._handled:
                        continue
                try:
                    self._complete(name)
                except Exception as err:  # reported once; the missing output then shows up as a wait timing out
                    self._timeline.record("transcribe", f"Transcribe job {name} not completed: {err}", stand_in=True)
                finally:
                    with self._lock:
                        self._handled.add(name)

    def _job_names_now(self) -> list[str]:
        try:
            return self.job_names()
        except Exception:  # the emulator is shutting down, or briefly busy: look again next round
            return []

    def _complete(self, name: str) -> None:
        job = self._transcribe.get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
        while job["TranscriptionJobStatus"] not in ("COMPLETED", "FAILED"):
            job = self._transcribe.get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
        media_bucket, media_key = s3_location(job["Media"]["MediaFileUri"])
        try:
            media = self._s3.get_object(Bucket=media_bucket, Key=media_key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            self._timeline.record(
                "transcribe", f"Transcribe job {name}: media s3://{media_bucket}/{media_key} not found", stand_in=True
            )
            return
        with self._lock:
            fixture = self._fixtures.get(hashlib.sha256(media).hexdigest())
        note, label = "", None
        if fixture is None and self._recognize is not None:
            label, recognize = self._recognize
            self._timeline.record("transcribe", f"Transcribe job {name}: recognizing the speech", label=label, job=name)
            fixture = recognize(job, media)
        elif fixture is None and self._fallback is not None:
            fixture, note = self._fallback, f" (not a bundled sample: using the {self._fallback.name} transcript)"
        if fixture is None:
            raise LookupError(f"no fixture for the media of job {name} and no recognizer")
        labelled = {"label": label} if label else {}  # the timeline names who wrote the output
        if fixture.failure_reason is not None:
            self._fail(name, fixture.failure_reason, label)
            return
        self._timeline.record(
            "transcribe",
            f"Transcribe completion for job {name}: writing the transcript of {fixture.name}{note}",
            stand_in=True,
            job=name,
            phase="start",
            **labelled,
        )
        start_index = int(job.get("Subtitles", {}).get("OutputStartIndex", 0))
        outputs = []
        for uri in job.get("Subtitles", {}).get("SubtitleFileUris", []):
            fmt = uri.rpartition(".")[2]
            if fmt in fixture.subtitles:
                outputs.append((uri, renumber_cues(fixture.subtitles[fmt], start_index).encode("utf-8"), fmt))
        if isinstance(fixture.transcript, bytes):
            transcript = fixture.transcript
        else:
            transcript = json.dumps(transcript_document(fixture, job), separators=(",", ":")).encode("utf-8")
        outputs.append((job["Transcript"]["TranscriptFileUri"], transcript, "json"))
        with self._lock:
            self._written[name] = fixture
        for number, (uri, body, fmt) in enumerate(outputs, start=1):
            bucket, key = s3_location(uri)
            last = number == len(outputs)
            self._timeline.record(
                "transcribe",
                f"Transcribe writes s3://{bucket}/{key}",
                stand_in=True,
                job=name,
                phase="end" if last else "file",
                key=key,
                **labelled,
            )
            self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES[fmt])

    def _fail(self, name: str, reason: str, label: str | None = None) -> None:
        marked = mark_failed_on_emulator(name, reason)
        with self._lock:
            self._failed[name] = reason
            deliver = self._deliver
        self._timeline.record(
            "transcribe",
            f"Transcribe job {name} FAILED: {reason}"
            + ("" if marked else " (the emulator still reports it COMPLETED)"),
            stand_in=True,
            job=name,
            phase="end",
            **({"label": label} if label else {}),
        )
        if deliver is None:
            self._timeline.record("transcribe", f"no EventBridge rule wired: the FAILED event of {name} goes nowhere")
            return
        deliver(job_state_change_event(name, "FAILED", reason))


class JobQuota:
    """The functions' Transcribe client with the stand-in's concurrent-job quota in front of StartTranscriptionJob
    (install with `pipeline_core.aws.override("transcribe", JobQuota(real, stand_in))`)."""

    def __init__(self, real: Any, stand_in: TranscribeStandIn) -> None:
        self._real, self._stand_in = real, stand_in

    def start_transcription_job(self, **request: Any) -> Any:
        self._stand_in.accept(request)
        return self._real.start_transcription_job(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)
