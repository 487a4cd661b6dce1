"""What the image function leaves behind for one transcript: manifest.json and an index.html gallery built from it.

The manifest is written last; its presence with `retryable: false` means the transcript (identified by its ETag) is
done. The gallery is rendered from the manifest alone, so both always agree. Every value placed into HTML is escaped.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from illustrate_scenes.generation import SceneResult
from illustrate_scenes.plan import FAILED, NO_SPEECH, Plan
from illustrate_scenes.scenes import format_time

MANIFEST_VERSION = 1
COMPLETE, PARTIAL = "complete", "partial"


@dataclass(frozen=True)
class RunInfo:
    job: str
    transcript_bucket: str
    transcript_key: str
    transcript_etag: str
    source_audio_bucket: str | None
    source_audio_key: str | None
    subtitle_keys: dict[str, str | None]
    model_id: str
    image_size: str
    prompt_model_id: str | None
    style: str
    scene_seconds: float
    max_images: int
    started_at: str
    finished_at: str
    bedrock_region: str | None = None
    look: dict[str, Any] | None = None  # the prompt director's look for the whole file


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def build_manifest(run: RunInfo, plan: Plan, results: Sequence[SceneResult] = ()) -> dict[str, Any]:
    counts = {"ok": 0, "filtered": 0, "failed": 0}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    retryable = False
    if plan.status in (FAILED, NO_SPEECH):
        status, reason = plan.status, plan.reason
    elif results and counts["ok"] == len(results):
        status, reason = COMPLETE, None
    elif counts["ok"]:
        status, reason = PARTIAL, f"{counts['filtered']} scene(s) filtered, {counts['failed']} failed"
        # Missing scenes that may succeed later keep the file re-drivable; the next attempt draws only those.
        retryable = any(r.status == "failed" and r.transient for r in results)
        if retryable:
            reason += "; the failed scenes may succeed later, so the event is retried for them only"
    else:
        status = FAILED
        retryable = bool(results) and all(r.status == "failed" and r.transient for r in results)
        reason = f"no scene was illustrated ({counts['filtered']} filtered, {counts['failed']} failed)"
        first = next((r.reason for r in results if r.status == "failed" and r.reason), None)
        if first:
            # One failure's words (throttled, access denied to model X in Region Y, ...) say what to fix.
            reason += f"; first failure: {first}"
        if retryable:
            reason += (
                "; every failure may clear on a later attempt, so the event is retried and, should it keep failing, "
                "kept in the function's dead-letter queue for a re-drive"
            )
    return {
        "manifest_version": MANIFEST_VERSION,
        "status": status,
        "reason": reason,
        "retryable": retryable,
        "job_name": run.job,
        "source_audio_bucket": run.source_audio_bucket,
        "source_audio_key": run.source_audio_key,
        "transcript_bucket": run.transcript_bucket,
        "transcript_key": run.transcript_key,
        "transcript_etag": run.transcript_etag,
        "subtitle_keys": run.subtitle_keys,
        "scene_source": plan.scene_source,
        "language_code": plan.language_code,
        "model_id": run.model_id,
        "image_size": run.image_size,
        "prompt_model_id": run.prompt_model_id,
        "bedrock_region": run.bedrock_region,
        "look": run.look,
        "base_seed": plan.base_seed,
        "style": run.style,
        "negative_prompt": plan.scenes[0].negative_prompt if plan.scenes else None,
        "scene_seconds": run.scene_seconds,
        "max_images": run.max_images,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": counts,
        "warnings": list(plan.warnings),
        "scene_cap": _scene_cap(plan),
        "scenes": [_scene_entry(result) for result in results],
    }


def _scene_cap(plan: Plan) -> dict[str, Any] | None:
    """Set when MAX_IMAGES_PER_FILE, not SCENE_SECONDS, decided how many scenes (and so how long each) there are."""
    cap = plan.scene_cap
    if cap is None:
        return None
    return {
        "wanted_scenes": cap.wanted,
        "max_images": cap.allowed,
        "speech_seconds": cap.speech_seconds,
        "average_scene_seconds": cap.average_seconds,
    }


def _scene_entry(result: SceneResult) -> dict[str, Any]:
    scene = result.scene
    entry: dict[str, Any] = {
        "index": scene.index,
        "start": _seconds(scene.start_ms),
        "end": _seconds(scene.end_ms),
        "text": scene.text,
        "prompt": result.prompt,
        "prompt_source": result.prompt_source,
        "seed": scene.seed,
        "image_key": result.image_key,
        "status": result.status,
        "reason": result.reason,
        "prompt_note": result.prompt_note,
    }
    if len(result.attempts) > 1:  # a filtered scene retried with a softened prompt: both attempts
        entry["attempts"] = [
            {"prompt": a.prompt, "prompt_source": a.prompt_source, "status": a.status, "reason": a.reason}
            for a in result.attempts
        ]
    if scene.speakers:
        entry["speakers"] = list(scene.speakers)
    return entry


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f;line-height:1.5}
header p{color:#555;margin:.2rem 0}
.scene{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;align-items:start;
 border-top:1px solid #ddd;padding:1.5rem 0}
.scene img{width:100%;height:auto;border-radius:.4rem}
.missing{aspect-ratio:1;display:flex;align-items:center;justify-content:center;text-align:center;padding:1rem;
 background:#f2f2f2;border-radius:.4rem;color:#666}
.time{font-variant-numeric:tabular-nums;color:#555;margin:0}
.text{white-space:pre-line;font-size:1.1rem}
details{color:#555;font-size:.9rem}
@media (max-width:40rem){.scene{grid-template-columns:1fr}}
""".strip()


def render_gallery(manifest: dict[str, Any]) -> str:
    """A self-contained page: each scene's image beside its subtitle text and time range."""
    esc = html.escape
    title = manifest.get("source_audio_key") or manifest.get("job_name") or "transcript"
    language = manifest.get("language_code")
    lang_attr = f' lang="{esc(str(language))}"' if language else ""
    status = str(manifest.get("status"))
    summary = f"Status: {status}"
    if manifest.get("reason"):
        summary += f" ({manifest['reason']})"
    parts = [
        "<!DOCTYPE html>",
        f"<html{lang_attr}>",
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(str(title))}</title><style>{_STYLE}</style></head>",
        "<body><header>",
        f"<h1>{esc(str(title))}</h1>",
        f"<p>{esc(summary)}</p>",
        *_cap_note(manifest.get("scene_cap")),
        *_look_note(manifest.get("look")),
        f"<p>Model: {esc(str(manifest.get('model_id')))} · Transcript: {esc(str(manifest.get('transcript_key')))}"
        ' · <a href="manifest.json">manifest.json</a></p>',
        "</header><main>",
    ]
    scenes = manifest.get("scenes") or []
    if not scenes:
        parts.append("<p>No scenes: nothing was illustrated.</p>")
    for scene in scenes:
        parts.append(_scene_html(scene))
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _look_note(look: Any) -> list[str]:
    """The director's look for the file, shown once above the scenes."""
    if not isinstance(look, dict):
        return []
    esc = html.escape
    parts = [f"{label}: {esc(str(look[key]))}" for key, label in LOOK_LABELS if look.get(key)]
    subjects = [s for s in look.get("subjects") or [] if isinstance(s, dict)]
    if subjects:
        listed = "; ".join(f"{esc(str(s.get('name', '')))} ({esc(str(s.get('description', '')))})" for s in subjects)
        parts.append(f"Recurring: {listed}")
    return [f'<p class="look">Look · {" · ".join(parts)}</p>'] if parts else []


LOOK_LABELS = (("style", "Style"), ("palette", "Palette"), ("setting", "Setting"))


def _cap_note(cap: Any) -> list[str]:
    if not isinstance(cap, dict):
        return []
    note = (
        f"Scenes lengthened to about {cap.get('average_scene_seconds')} s each: the target length would have made "
        f"{cap.get('wanted_scenes')} scenes, and at most {cap.get('max_images')} images are made per file."
    )
    return [f"<p>{html.escape(note)}</p>"]


def _scene_html(scene: dict[str, Any]) -> str:
    esc = html.escape
    index = int(scene["index"])
    time_range = f"{format_time(round(scene['start'] * 1000))} to {format_time(round(scene['end'] * 1000))}"
    if scene.get("status") == "ok" and scene.get("image_key"):
        # Relative to the gallery, which sits under the same prefix, so the folder works anywhere it is copied to.
        src = quote(posixpath.basename(scene["image_key"]))
        alt = f"Scene {index}: {scene.get('prompt', '')}"
        figure = f'<img src="{esc(src)}" alt="{esc(alt)}" loading="lazy">'
    else:
        label = "Filtered by the model's content filters" if scene.get("status") == "filtered" else "No image"
        figure = f'<div class="missing" role="img" aria-label="{esc(label)}"><p>{esc(label)}<br><small>' + (
            f"{esc(str(scene.get('reason') or ''))}</small></p></div>"
        )
    return (
        f'<section class="scene" id="scene-{index:03d}">{figure}<div>'
        f'<p class="time">Scene {index} · {esc(time_range)}</p>'
        f'<p class="text">{esc(str(scene.get("text", "")))}</p>'
        f"<details><summary>Prompt</summary><p>{esc(str(scene.get('prompt', '')))}</p></details>"
        "</div></section>"
    )
