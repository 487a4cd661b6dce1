#!/usr/bin/env python3
"""Preview the scenes, time ranges, prompts and seeds the image function would produce. No AWS access at all.

    python3 scripts/preview_scenes.py transcripts/my-job.json [--model ID] [--json]
    python3 scripts/preview_scenes.py my-job.srt --scene-seconds 20 --max-images 6 --style "watercolour"
    python3 scripts/preview_scenes.py transcripts/my-job.json --subtitles srt [--language ko-KR]

With --subtitles, only the re-cut subtitles (the files the image function writes next to the images) go to stdout,
cut from the transcript's word timings under the reading profile of its language (--language overrides the language
in the file, which some files lack; --subtitle-profile, --max-line-chars and --max-cps the profile's rules).

FILE is a Transcribe transcript (.json), SubRip (.srt) or WebVTT (.vtt) file. For a .json file, the .srt and .vtt with
the same name next to it are used the way the function uses them (subtitles first); --no-siblings ignores them. Seeds
depend on the job name, which is the file name without its extension unless --job says otherwise.

The prompt director (on by default, PROMPT_MODEL_ID) needs Bedrock, so the preview shows what it would be asked: one
Converse request per chunk of scenes (--show-requests prints them in full), and each scene's fallback prompt, the one
used when the director gives none: plain for English, translated by Amazon Translate for other languages (the preview
shows the text that would be translated). A retired or unknown --model is refused with the same message as
`terraform plan` and the function.

Exit codes: 0 done, 1 the file cannot be used (malformed transcript or subtitles), 2 a usage mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

from cli_common.errors import EXIT_FAILURE, EXIT_USAGE, ArgumentParser, CliError
from cli_common.errors import run as run_main
from cli_common.inputs import number, readable_file

from illustrate_scenes import director, settings, translation
from illustrate_scenes.image_models import UnknownModelError, model_for
from illustrate_scenes.plan import FAILED, Plan, PlanOptions, SourceFile, build_plan
from illustrate_scenes.prompts import prompt_length
from illustrate_scenes.scenes import format_time
from illustrate_scenes.subtitle_tracks import LANGUAGE_CODE, SubtitleOptions, original_track, render
from illustrate_scenes.subtitles import SubtitleError, parse_srt, parse_vtt
from illustrate_scenes.transcript import TranscriptError, parse_transcript
from pipeline_core.models import CATALOGUE
from subtitle_writer.profiles import AUTO, load_profiles

KINDS = {".json": "transcript", ".srt": "srt", ".vtt": "vtt"}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="preview_scenes.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="Transcribe JSON, SRT or WebVTT file")
    parser.add_argument("--model", default=settings.DEFAULT_IMAGE_MODEL_ID, help="image model id (IMAGE_MODEL_ID)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--scene-seconds", type=number(float, positive=True), default=settings.DEFAULT_SCENE_SECONDS,
                        help="SCENE_SECONDS")  # fmt: skip
    parser.add_argument("--max-images", type=number(int, positive=True), default=settings.DEFAULT_MAX_IMAGES,
                        help="MAX_IMAGES_PER_FILE")  # fmt: skip
    parser.add_argument("--style", default="", help="IMAGE_STYLE")
    parser.add_argument("--job", help="job name the seeds derive from (default: the file name without extension)")
    parser.add_argument("--no-siblings", action="store_true", help="for a .json file, ignore .srt/.vtt next to it")
    parser.add_argument("--subtitles", choices=("srt", "vtt"), help="print only the re-cut subtitles in this format")
    parser.add_argument("--language", help="language of the transcript, e.g. ko-KR (default: the one in the file)")
    parser.add_argument(
        "--subtitle-profile", default=AUTO, choices=(AUTO, *sorted(load_profiles().profiles)), help="SUBTITLE_PROFILE"
    )
    parser.add_argument("--max-line-chars", type=number(int, minimum=0), default=0,
                        help="SUBTITLE_MAX_LINE_CHARS (0: the profile's)")  # fmt: skip
    parser.add_argument("--max-cps", type=number(int, minimum=0), default=0,
                        help="SUBTITLE_MAX_CPS (0: the profile's)")  # fmt: skip
    parser.add_argument(
        "--prompt-model", default=settings.DEFAULT_PROMPT_MODEL_ID, help="director model (PROMPT_MODEL_ID)"
    )
    parser.add_argument("--no-director", action="store_true", help="PROMPT_DIRECTOR=false: translated or plain prompts")
    parser.add_argument("--show-requests", action="store_true", help="print the director's Converse requests in full")
    args = parser.parse_args(argv)
    try:
        readable_file(args.file, "transcript or subtitle file")
    except CliError as err:
        parser.error(str(err))
    if args.file.suffix.lower() not in KINDS:
        parser.error(f"{args.file}: expected a .json, .srt or .vtt file")
    if args.scene_seconds <= 0 or args.max_images < 1:
        parser.error("--scene-seconds must be positive and --max-images at least 1")
    try:
        args.image_model = model_for(args.model)
    except UnknownModelError as exc:
        parser.error(f"--model: {exc}")
    problem = None if args.no_director else CATALOGUE.refusal(args.prompt_model, "text")
    if problem:
        parser.error(f"--prompt-model: {problem}")
    if prompt_length(args.style) > args.image_model.prompt_limit // 2:
        parser.error(f"--style is longer than half of the model's {args.image_model.prompt_limit}-character limit")
    return args


def subtitle_problem(args: argparse.Namespace) -> str | None:
    """Why --subtitles cannot run on these arguments, as one line; None when it can."""
    if args.file.suffix.lower() != ".json":
        return f"{args.file}: --subtitles re-cuts a Transcribe transcript (.json), not a {args.file.suffix} file"
    if args.language is not None and not LANGUAGE_CODE.match(args.language):
        return f"--language {args.language!r} is not a language code like en-US or ko-KR"
    return None


def print_subtitles(args: argparse.Namespace) -> int:
    """The re-cut subtitles on stdout; a problem as one line on stderr: exit status 2 for a usage mistake, 1 for a
    transcript that cannot be read."""
    problem = subtitle_problem(args)
    if problem is not None:
        print(f"preview_scenes.py: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        transcript = parse_transcript(args.file.read_bytes(), str(args.file))
    except (OSError, TranscriptError) as exc:
        print(f"preview_scenes.py: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    options = SubtitleOptions(args.subtitle_profile, args.max_line_chars, args.max_cps)
    track = original_track(transcript, options, args.language)
    sys.stdout.write(render(track)[args.subtitles])
    return 0


def plan_for_file(args: argparse.Namespace) -> Plan:
    path: Path = args.file
    kind = KINDS[path.suffix.lower()]
    sources: dict[str, SourceFile | None] = {"transcript": None, "srt": None, "vtt": None}
    sources[kind] = SourceFile(str(path), path.read_bytes())
    if kind == "transcript" and not args.no_siblings:
        for sibling_kind in ("srt", "vtt"):
            sibling = path.with_suffix(f".{sibling_kind}")
            if sibling.is_file():
                sources[sibling_kind] = SourceFile(str(sibling), sibling.read_bytes())
    options = PlanOptions(
        model=args.image_model, scene_seconds=args.scene_seconds, max_images=args.max_images, style=args.style
    )
    return build_plan(args.job or path.stem, options, **sources)


def director_document(args: argparse.Namespace, plan: Plan) -> dict[str, Any] | None:
    """The Converse requests the director would receive (one per chunk), or None when it is off."""
    if args.no_director:
        return None
    requests = [
        director.director_request(args.prompt_model, chunk, plan.language_code, None)
        for chunk in director.chunks(plan.scenes)
    ]
    return {"model_id": args.prompt_model, "calls": len(requests), "requests": requests}


def fallback(plan: Plan) -> tuple[str, str | None]:
    """The fallback's prompt source and, for non-English text, the Translate source language."""
    source = translation.source_language(plan.language_code)
    return ("translated", source) if source else ("plain", None)


def as_document(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    fallback_source, translate_from = fallback(plan)
    return {
        "director": director_document(args, plan),
        "fallback_source": fallback_source,
        "translate_from": translate_from,
        "file": str(args.file),
        "job": args.job or args.file.stem,
        "model_id": args.model,
        "prompt_limit": args.image_model.prompt_limit,
        "status": plan.status,
        "reason": plan.reason,
        "scene_source": plan.scene_source,
        "language_code": plan.language_code,
        "warnings": list(plan.warnings),
        "negative_prompt": plan.scenes[0].negative_prompt if plan.scenes else None,
        "scenes": [
            {
                "index": scene.index,
                "start": round(scene.start_ms / 1000, 3),
                "end": round(scene.end_ms / 1000, 3),
                "time_range": f"{format_time(scene.start_ms)} --> {format_time(scene.end_ms)}",
                "text": scene.text,
                "prompt": scene.prompt,
                "prompt_length": prompt_length(scene.prompt),
                "seed": scene.seed,
                "speakers": list(scene.speakers),
            }
            for scene in plan.scenes
        ],
    }


def as_text(document: dict[str, Any]) -> str:
    lines = [
        f"{document['file']}: {document['status']}"
        + (f" ({document['reason']})" if document["reason"] else "")
        + f"; {len(document['scenes'])} scene(s) from {document['scene_source'] or 'nothing'}"
        + f", language {document['language_code'] or 'unknown'}",
        f"model {document['model_id']}: prompts of at most {document['prompt_limit']} characters",
    ]
    led = document["director"]
    if led:
        lines.append(
            f"prompt director {led['model_id']}: {led['calls']} Converse call(s) for {len(document['scenes'])} "
            f"scene(s); it answers with a look and one English prompt per scene (needs Bedrock; not called here)"
        )
    else:
        lines.append("prompt director: off (PROMPT_DIRECTOR=false)")
    if document["translate_from"]:
        lines.append(
            f"fallback: the scene text below is translated from {document['translate_from']} into English by Amazon "
            "Translate (not called here), then used as a plain prompt"
        )
    else:
        lines.append("fallback: the plain prompts below")
    lines += [f"warning: {warning}" for warning in document["warnings"]]
    for scene in document["scenes"]:
        speakers = f"  speakers {', '.join(scene['speakers'])}" if scene["speakers"] else ""
        lines += [
            "",
            f"Scene {scene['index']}  {scene['time_range']}  seed {scene['seed']}{speakers}",
            "  text:   " + scene["text"].replace("\n", "\n          "),
            f"  {document['fallback_source']} fallback: {scene['prompt']}  [{scene['prompt_length']} characters]",
        ]
    if led and document.get("show_requests"):
        for n, request in enumerate(led["requests"], start=1):
            lines += ["", f"Director request {n}:", json.dumps(request, indent=2, ensure_ascii=False)]
    return "\n".join(lines)


def check_subtitle_file(path: Path) -> None:
    """A .srt or .vtt file named on the command line must parse: the function would skip it and fall back to the
    transcript, but here it is all there is, and "no speech" would hide the mistake."""
    parse = {".srt": parse_srt, ".vtt": parse_vtt}.get(path.suffix.lower())
    if parse is None:
        return
    try:
        parse(path.read_bytes().decode("utf-8", errors="replace"), str(path))
    except SubtitleError as exc:
        kind = "SubRip" if parse is parse_srt else "WebVTT"
        raise CliError(f"{exc}; not a {kind} file the image function could read", EXIT_FAILURE) from None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    check_subtitle_file(args.file)
    if args.subtitles:
        return print_subtitles(args)
    plan = plan_for_file(args)
    document = as_document(args, plan)
    document["show_requests"] = args.show_requests
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.json else as_text(document))
    if plan.status == FAILED:  # the report above says so too; stderr is where a caller looks for the reason
        print(f"preview_scenes.py: error: {plan.reason}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":
    run_main(main, "preview_scenes.py")
