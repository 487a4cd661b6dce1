"""How well cues keep a profile's rules: violations per rule, for Transcribe's own cues and for the re-cut ones.

Every violation left in the re-cut cues carries its reason; the rules are the measurable ones of aws-facts.md 8
(line length, line count, minimum and maximum duration, reading speed, gap between cues).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from subtitle_writer.profiles import Profile
from subtitle_writer.writer import SubtitleCue

RULES = ("line_length", "line_count", "duration_min", "duration_max", "reading_speed", "gap")
MAX_LISTED = 100  # remaining violations listed one by one in the manifest; all are counted


@dataclass(frozen=True, slots=True)
class TimedText:
    """Any cue: Transcribe's (parsed) or the writer's."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Violation:
    cue: int  # 1-based, as in the file
    rule: str
    value: float
    limit: float
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"cue": self.cue, "rule": self.rule, "value": self.value, "limit": self.limit, "reason": self.reason}


def check(cues: Sequence[TimedText | SubtitleCue], profile: Profile) -> list[Violation]:
    found: list[Violation] = []
    for index, cue in enumerate(cues):
        number = index + 1
        duration = cue.end_ms - cue.start_ms
        widest = max((profile.width(line) for line in cue.lines), default=0.0)
        if widest > profile.max_line_chars:
            found.append(Violation(number, "line_length", widest, profile.max_line_chars))
        if len(cue.lines) > profile.max_lines:
            found.append(Violation(number, "line_count", len(cue.lines), profile.max_lines))
        if duration < profile.min_duration_ms:
            found.append(Violation(number, "duration_min", duration / 1000, profile.min_duration_ms / 1000))
        if duration > profile.max_duration_ms:
            found.append(Violation(number, "duration_max", duration / 1000, profile.max_duration_ms / 1000))
        cps = profile.width(profile.word_joiner.join(cue.lines)) * 1000 / max(duration, 1)
        if cps > profile.max_cps:
            found.append(Violation(number, "reading_speed", round(cps, 1), profile.max_cps))
        if index + 1 < len(cues):
            gap = cues[index + 1].start_ms - cue.end_ms
            if gap < profile.min_gap_ms:
                found.append(Violation(number, "gap", gap / 1000, profile.min_gap_ms / 1000))
    return found


def explain(cues: Sequence[SubtitleCue], profile: Profile) -> list[Violation]:
    """The re-cut cues' violations, each with why the writer could not avoid it."""
    explained = []
    for v in check(cues, profile):
        cue = cues[v.cue - 1]
        following = cues[v.cue] if v.cue < len(cues) else None
        held_by_next = following is not None and cue.end_ms >= following.start_ms - profile.min_gap_ms
        if v.rule == "line_length":
            reason = "one word wider than a line" if cue.word_count == 1 else "no line break fits the words"
        elif v.rule == "duration_max":
            reason = "one word spoken longer than the maximum duration"
        elif v.rule == "duration_min":
            reason = (
                "the next speech starts too soon to show the cue for the minimum duration"
                if held_by_next
                else "speech shorter than the minimum duration at the end of the audio"
            )
        elif v.rule == "reading_speed":
            reason = (
                "speech faster than the reading speed"
                if held_by_next or cue.word_count == 1
                else "more text than can be read within the maximum duration"
            )
        else:
            reason = "words closer together than the minimum gap between cues"
        explained.append(Violation(v.cue, v.rule, v.value, v.limit, reason))
    return explained


def _counts(violations: Sequence[Violation]) -> dict[str, int]:
    counts = dict.fromkeys(RULES, 0)
    for v in violations:
        counts[v.rule] += 1
    return counts


def profile_summary(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "max_line_chars": profile.max_line_chars,
        "max_lines": profile.max_lines,
        "min_duration_s": profile.min_duration_ms / 1000,
        "max_duration_s": profile.max_duration_ms / 1000,
        "max_cps": profile.max_cps,
        "min_gap_s": profile.min_gap_ms / 1000,
    }


def report(
    recut: Sequence[SubtitleCue], profile: Profile, transcribe: Sequence[TimedText] | None = None
) -> dict[str, Any]:
    """The manifest's quality report: per rule, violations in Transcribe's cues (None without them) and re-cut."""
    remaining = explain(recut, profile)
    theirs = _counts(check(transcribe, profile)) if transcribe is not None else None
    ours = _counts(remaining)
    return {
        "profile": profile_summary(profile),
        "cues": {"transcribe": len(transcribe) if transcribe is not None else None, "recut": len(recut)},
        "rules": {rule: {"transcribe": theirs[rule] if theirs else None, "recut": ours[rule]} for rule in RULES},
        "remaining": [v.as_dict() for v in remaining[:MAX_LISTED]],
        "remaining_not_listed": max(len(remaining) - MAX_LISTED, 0),
    }
