"""The player page, rendered from the manifest, the inlined subtitle tracks and the links to audio, images and manifest.

Self-contained: one HTML file with its style, script and data inline, no external script, font or stylesheet, so it
works from a file, a presigned URL or a downloaded folder. What it shows: the `<audio>` element; under it the current
subtitle cue of the chosen track (a `<select>` over every track), following playback in a polite live region; the
current scene's image, large, changing at scene boundaries; the scene list with times (each a button that seeks); the
look (issue-8 manifests) and the manifest link. Every value from the manifest reaches the page as text: the HTML is
escaped here and the script sets only `textContent`, `src` and `alt`.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from player.sources import Track

MANIFEST_NAME = "manifest.json"
CURRENT = ' aria-current="true"'


@dataclass(frozen=True)
class Links:
    """Where the page finds the files it shows: relative names (bucket copy) or presigned URLs (results route)."""

    audio: str | None
    manifest: str
    images: Mapping[str, str] = field(default_factory=dict)  # the manifest's image_key -> URL or name
    audio_note: str | None = None  # shown when the audio cannot be loaded


def bucket_links(manifest: Mapping[str, Any]) -> Links:
    """The bucket copy's links: every file by its name beside index.html (the same folder once downloaded)."""
    audio_key = manifest.get("source_audio_key")
    audio_name = posixpath.basename(audio_key) if isinstance(audio_key, str) and audio_key else None
    images = {
        str(scene["image_key"]): quote(posixpath.basename(str(scene["image_key"])))
        for scene in _scenes(manifest)
        if scene.get("image_key")
    }
    note = (
        f"This page lives in the image bucket and cannot reach the audio in the audio bucket. Put {audio_name} beside "
        "this file (scripts/client.py fetch does) and reload to play it; the scene list works without it."
        if audio_name
        else "The manifest names no source audio; the scene list works without it."
    )
    audio = quote(audio_name) if audio_name else None
    return Links(audio=audio, manifest=MANIFEST_NAME, images=images, audio_note=note)


def _scenes(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    scenes = manifest.get("scenes")
    return [scene for scene in scenes if isinstance(scene, dict)] if isinstance(scenes, list) else []


def clock(seconds: float) -> str:
    """0:07, 1:02:03: how a player shows a time."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def page_data(manifest: Mapping[str, Any], tracks: Sequence[Track], links: Links) -> dict[str, Any]:
    """What the page's script reads: scenes (times, image, label) and tracks (cues as [start, end, text])."""
    scenes = []
    for scene in sorted(_scenes(manifest), key=lambda s: _number(s.get("start"))):
        start, end = _number(scene.get("start")), _number(scene.get("end"))
        index = int(_number(scene.get("index")))
        image_key = scene.get("image_key")
        ok = scene.get("status") == "ok" and isinstance(image_key, str) and image_key in links.images
        missing = "Filtered by the model's content filters" if scene.get("status") == "filtered" else "No image"
        scenes.append(
            {
                "index": index,
                "start": start,
                "end": end,
                "label": f"Scene {index} · {clock(start)} to {clock(end)}",
                "image": links.images[image_key] if ok else None,
                "alt": f"Scene {index}: {scene.get('prompt') or scene.get('text') or ''}".strip(),
                "missing": missing if not ok else "",
            }
        )
    return {
        "scenes": scenes,
        "tracks": [
            {"language": t.language, "label": t.label, "cues": [[c.start, c.end, c.text] for c in t.cues]}
            for t in tracks
        ],
    }


def _json_for_script(document: Any) -> str:
    # Inside <script>, "</" could close the element and "<!--" open a comment: escape "<" (valid JSON either way).
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _look_html(look: Any) -> str:
    if not isinstance(look, dict):
        return ""
    esc = html.escape
    rows = [
        f"<dt>{esc(name.capitalize())}</dt><dd>{esc(str(look[name]))}</dd>"
        for name in ("style", "palette", "setting")
        if look.get(name)
    ]
    subjects = look.get("subjects")
    for subject in subjects if isinstance(subjects, list) else []:
        if isinstance(subject, dict) and subject.get("name"):
            rows.append(f"<dt>{esc(str(subject['name']))}</dt><dd>{esc(str(subject.get('description') or ''))}</dd>")
    if not rows:
        return ""
    return f'<details class="look"><summary>Look</summary><dl>{"".join(rows)}</dl></details>'


def _cap_note(manifest: Mapping[str, Any]) -> str:
    cap = manifest.get("scene_cap")
    if not isinstance(cap, dict):
        return ""
    note = (
        f"Scenes lengthened to about {cap.get('average_scene_seconds')} s each: the target length would have made "
        f"{cap.get('wanted_scenes')} scenes, and at most {cap.get('max_images')} images are made per file."
    )
    return f'<p class="note">{html.escape(note)}</p>'


def render_player(manifest: Mapping[str, Any], tracks: Sequence[Track], links: Links) -> str:
    esc = html.escape
    data = page_data(manifest, tracks, links)
    title = str(manifest.get("source_audio_key") or manifest.get("job_name") or "audio")
    language = manifest.get("language_code")
    lang_attr = f' lang="{esc(str(language).split("-")[0])}"' if language else ""
    status = f"Status: {manifest.get('status')}"
    if manifest.get("reason"):
        status += f" ({manifest['reason']})"
    first = data["scenes"][0] if data["scenes"] else None
    image = (
        f'<img id="scene-image" src="{esc(first["image"])}" alt="{esc(first["alt"])}">'
        if first and first["image"]
        else '<img id="scene-image" alt="" hidden>'
    )
    missing_text = first["missing"] if first and not first["image"] else ""
    audio = (
        f'<audio id="audio" controls preload="metadata" src="{esc(links.audio)}"></audio>'
        if links.audio
        else '<audio id="audio" controls preload="none"></audio>'
    )
    options = (
        "".join(f'<option value="{i}">{esc(t["label"])}</option>' for i, t in enumerate(data["tracks"]))
        or '<option value="-1">No subtitles</option>'
    )
    scene_items = "".join(
        f'<li><button type="button" data-index="{i}" data-start="{s["start"]}"{CURRENT if i == 0 else ""}>'
        + (f'<img src="{esc(s["image"])}" alt="" loading="lazy">' if s["image"] else "")
        + f"<span>{esc(s['label'])}</span></button></li>"
        for i, s in enumerate(data["scenes"])
    )
    note = links.audio_note or ""
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                f"<html{lang_attr}>",
                '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{esc(title)}</title><style>{_STYLE}</style></head>",
                "<body>",
                f'<header><h1>{esc(title)}</h1><p class="status">{esc(status)}</p>{_cap_note(manifest)}</header>',
                "<main>",
                '<figure id="stage" aria-live="off">',
                image,
                f'<div id="scene-missing" class="missing" role="img" aria-label="{esc(missing_text)}"'
                f"{'' if missing_text else ' hidden'}>{esc(missing_text)}</div>",
                f'<figcaption id="scene-caption">{esc(first["label"]) if first else "No scenes"}</figcaption>',
                "</figure>",
                f'<div class="controls">{audio}',
                f'<p id="audio-note" class="note" role="status" hidden>{esc(note)}</p>',
                f'<label for="track">Subtitles</label> <select id="track">{options}</select></div>',
                '<div id="cue" role="region" aria-label="Current subtitle" aria-live="polite"></div>',
                '<nav aria-label="Scenes"><h2>Scenes</h2>',
                f'<ol id="scenes">{scene_items}</ol></nav>',
                _look_html(manifest.get("look")),
                f'<p class="links"><a href="{esc(links.manifest)}">manifest.json</a></p>',
                "</main>",
                f'<script type="application/json" id="player-data">{_json_for_script(data)}</script>',
                f"<script>{_SCRIPT}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )


def render_status(title: str, status: str, reason: str | None) -> str:
    """The page for an upload that has no player yet (uploaded, transcribing, illustrating) or never will (rejected)."""
    esc = html.escape
    line = f"Status: {status}" + (f" ({reason})" if reason else "")
    after = (
        "Nothing will be made of this upload; its reason says what to change before uploading again."
        if status == "rejected"
        else "Ask again later for the player: it appears once the images are made."
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{esc(title)}</title><style>{_STYLE}</style></head>\n<body><header><h1>{esc(title)}'
        f'</h1><p class="status" role="status">{esc(line)}</p></header>\n<main><p>{esc(after)}</p></main>'
        "</body></html>\n"
    )


_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:.5rem 1rem 2rem;color:#1d1d1f;
 background:#fff;line-height:1.5}
h1{font-size:1.3rem;margin:.5rem 0 0;overflow-wrap:anywhere}
h2{font-size:1.1rem}
.status,.note,figcaption{color:#555;margin:.2rem 0}
#stage{margin:.5rem 0}
#stage img,.missing{display:block;width:100%;max-height:65vh;object-fit:contain;background:#111;border-radius:.4rem}
.missing{aspect-ratio:16/9;display:flex;align-items:center;justify-content:center;color:#eee;background:#444}
.missing[hidden],#stage img[hidden]{display:none}
.controls audio{width:100%}
#cue{min-height:3.2em;font-size:1.35rem;white-space:pre-line;text-align:center;padding:.4rem;margin:.5rem 0;
 background:#f4f4f6;border-radius:.4rem}
#scenes{list-style:none;padding:0;display:grid;gap:.3rem}
#scenes button{width:100%;display:flex;gap:.6rem;align-items:center;text-align:left;font:inherit;padding:.4rem .7rem;
 border:1px solid #ccc;border-radius:.3rem;
 background:#fff;cursor:pointer}
#scenes button[aria-current=true]{background:#1d4ed8;color:#fff;border-color:#1d4ed8}
button:focus-visible,select:focus-visible,a:focus-visible,audio:focus-visible{outline:3px solid #f59e0b;
 outline-offset:2px}
#scenes button img{width:4rem;height:2.6rem;object-fit:cover;border-radius:.2rem;flex:none}
select{font:inherit;padding:.2rem}
dt{font-weight:600}dd{margin:0 0 .4rem 1rem}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}#cue{background:#222}
 #scenes button{background:#1b1b1b;color:#eee;border-color:#444}.status,.note,figcaption{color:#aaa}a{color:#8ab4f8}}
""".strip()

# Plain ES5, no framework: the page must work from a file in any current browser.
_SCRIPT = """
(function(){
var data=JSON.parse(document.getElementById('player-data').textContent);
var audio=document.getElementById('audio'),img=document.getElementById('scene-image');
var missing=document.getElementById('scene-missing'),caption=document.getElementById('scene-caption');
var cue=document.getElementById('cue'),select=document.getElementById('track');
var note=document.getElementById('audio-note');
var buttons=[].slice.call(document.querySelectorAll('#scenes button'));
var current=-1,track=data.tracks.length?0:-1;
function sceneAt(t){var found=0;for(var i=0;i<data.scenes.length;i++){if(data.scenes[i].start<=t+0.0005){found=i;}}
 return found;}
function showScene(i){if(i===current||!data.scenes.length){return;}current=i;var s=data.scenes[i];
 if(s.image){img.src=s.image;img.alt=s.alt;img.hidden=false;missing.hidden=true;}
 else{img.hidden=true;missing.hidden=false;missing.textContent=s.missing;missing.setAttribute('aria-label',s.missing);}
 img.setAttribute('data-scene',String(s.index));caption.textContent=s.label;
 buttons.forEach(function(b,j){if(j===i){b.setAttribute('aria-current','true');}else{b.removeAttribute('aria-current');}});}
function cueAt(t){if(track<0){return '';}var out=[],cues=data.tracks[track].cues;
 for(var i=0;i<cues.length;i++){if(cues[i][0]<=t&&t<cues[i][1]){out.push(cues[i][2]);}}return out.join('\\n');}
function show(t){showScene(sceneAt(t));var text=cueAt(t);if(cue.textContent!==text){cue.textContent=text;}}
function update(){show(audio.currentTime||0);}
audio.addEventListener('timeupdate',update);audio.addEventListener('seeked',update);
audio.addEventListener('error',function(){note.hidden=false;});
if(audio.querySelector('source')===null&&audio.error){note.hidden=false;}
select.addEventListener('change',function(){track=parseInt(select.value,10);update();});
buttons.forEach(function(b,j){b.addEventListener('click',function(){var t=data.scenes[j].start;
 try{audio.currentTime=t;}catch(e){}show(t);});});
if(data.scenes.length){current=-1;showScene(0);}
})();
""".strip()
