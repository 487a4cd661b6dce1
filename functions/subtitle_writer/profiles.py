"""Reading profiles (profiles.json) and the width of text under one: the single source of the subtitle rules."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

PROFILES_FILE = Path(__file__).with_name("profiles.json")
AUTO = "auto"
NARROW_BELOW = 0x1100  # Latin, Greek, Cyrillic, digits, spaces, ASCII punctuation; Hangul jamo start here


class ProfileError(ValueError):
    """An unknown profile name or an override out of range; the message names the setting."""


@dataclass(frozen=True)
class Profile:
    name: str
    max_line_chars: float
    max_lines: int
    min_duration_ms: int
    max_duration_ms: int
    max_cps: float
    min_gap_ms: int
    narrow_weight: float
    word_joiner: str
    speaker_dash: str = "-"  # before each line of a cue that two speakers share

    def width(self, text: str) -> float:
        """Line length as the style guides count it: narrow characters weigh `narrow_weight`, the others 1."""
        if self.narrow_weight == 1.0:
            return float(len(text))
        narrow = sum(1 for ch in text if ord(ch) < NARROW_BELOW)
        return narrow * self.narrow_weight + (len(text) - narrow)


@dataclass(frozen=True)
class BreakRules:
    """Lower-case words a line or cue should not end on, words it should not start with, and words a break may come
    before."""

    keep_with_next: frozenset[str] = frozenset()
    break_before: frozenset[str] = frozenset()
    keep_with_previous: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProfileTable:
    default_profile: str
    languages: dict[str, str]
    profiles: dict[str, Profile]
    line_breaks: dict[str, BreakRules]

    def break_rules(self, language_code: str | None) -> BreakRules:
        return self.line_breaks.get((language_code or "").split("-")[0].lower(), BreakRules())

    def for_language(self, language_code: str | None) -> Profile:
        """The profile for a BCP-47 code such as ko-KR (by its primary subtag), else the default one."""
        primary = (language_code or "").split("-")[0].lower()
        return self.profiles[self.languages.get(primary, self.default_profile)]

    def select(
        self, language_code: str | None, name: str = AUTO, max_line_chars: float = 0, max_cps: float = 0
    ) -> Profile:
        """The named profile (or the language's one for `auto`) with the non-zero overrides applied."""
        if name != AUTO and name not in self.profiles:
            raise ProfileError(f"subtitle profile {name!r} is unknown; expected auto or one of {sorted(self.profiles)}")
        if max_line_chars < 0 or max_cps < 0:
            raise ProfileError("subtitle_max_line_chars and subtitle_max_cps must be 0 (the profile's) or positive")
        profile = self.for_language(language_code) if name == AUTO else self.profiles[name]
        if max_line_chars:
            profile = replace(profile, max_line_chars=max_line_chars)
        if max_cps:
            profile = replace(profile, max_cps=max_cps)
        return profile


def _profile(name: str, raw: dict[str, Any]) -> Profile:
    return Profile(
        name=name,
        max_line_chars=float(raw["max_line_chars"]),
        max_lines=int(raw["max_lines"]),
        min_duration_ms=int(raw["min_duration_ms"]),
        max_duration_ms=int(raw["max_duration_ms"]),
        max_cps=float(raw["max_cps"]),
        min_gap_ms=int(raw["min_gap_ms"]),
        narrow_weight=float(raw["narrow_weight"]),
        word_joiner=str(raw["word_joiner"]),
        speaker_dash=str(raw["speaker_dash"]),
    )


@cache
def load_profiles(path: Path = PROFILES_FILE) -> ProfileTable:
    document = json.loads(path.read_text(encoding="utf-8"))
    profiles = {name: _profile(name, raw) for name, raw in document["profiles"].items()}
    breaks = {
        language: BreakRules(
            frozenset(raw["keep_with_next"]), frozenset(raw["break_before"]), frozenset(raw["keep_with_previous"])
        )
        for language, raw in document["line_breaks"].items()
        if not language.startswith("_")
    }
    return ProfileTable(document["default_profile"], dict(document["languages"]), profiles, breaks)
