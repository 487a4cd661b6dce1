"""contract.json is the single source of truth for Terraform and both functions; check it against what AWS accepts
and against the rules that keep the pipeline from triggering itself."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import botocore.session

from pipeline_core.contract import CONTRACT, CONTRACT_FILE, Contract, load_contract

_TRANSCRIBE = botocore.session.get_session().get_service_model("transcribe")


def test_media_formats_are_exactly_what_transcribe_accepts() -> None:
    assert set(CONTRACT.media_formats) == set(_TRANSCRIBE.shape_for("MediaFormat").enum)
    assert len(set(CONTRACT.media_formats)) == len(CONTRACT.media_formats)


def test_subtitles_are_formats_transcribe_writes_starting_at_cue_one() -> None:
    assert set(CONTRACT.subtitle_formats) <= set(_TRANSCRIBE.shape_for("SubtitleFormat").enum)
    assert set(CONTRACT.subtitle_formats) == {"srt", "vtt"}
    assert CONTRACT.subtitle_start_index == 1


def test_audio_suffixes_cover_lower_and_upper_case_of_every_format() -> None:
    # S3 notification suffix filters are case-sensitive.
    suffixes = CONTRACT.audio_suffixes()
    assert len(suffixes) == len(set(suffixes)) == 2 * len(CONTRACT.media_formats)
    for media_format in CONTRACT.media_formats:
        assert f".{media_format.lower()}" in suffixes
        assert f".{media_format.upper()}" in suffixes


def test_prefixes_are_folders_and_none_contains_another() -> None:
    # The image trigger matches transcript_prefix; job and rejection records must not fall under it.
    prefixes = [CONTRACT.transcript_prefix, CONTRACT.job_record_prefix, CONTRACT.rejection_prefix]
    assert all(prefix.endswith("/") and len(prefix) > 1 for prefix in prefixes)
    for prefix in prefixes:
        assert [other for other in prefixes if other.startswith(prefix)] == [prefix]


def test_transcripts_are_json_and_the_scene_pattern_numbers_images() -> None:
    assert CONTRACT.transcript_suffix == ".json"
    assert CONTRACT.scene_image_pattern.format(index=1) != CONTRACT.scene_image_pattern.format(index=2)
    assert CONTRACT.manifest_name != CONTRACT.gallery_name


def test_every_key_of_the_file_is_loaded() -> None:
    data = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    fields = {field.name for field in dataclasses.fields(Contract)}
    assert set(data) - {"description"} == fields


def test_load_contract_reads_the_given_file(tmp_path: Path) -> None:
    data = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    data["media_formats"] = ["flac"]
    data["rejection_prefix"] = "rejected/"
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_contract(path)
    assert loaded.media_formats == ("flac",)
    assert loaded.rejection_prefix == "rejected/"
    assert loaded.audio_suffixes() == [".flac", ".FLAC"]
