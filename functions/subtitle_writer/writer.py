"""Words with timings -> subtitle cues under a reading profile.

Contract: every word of the input appears exactly once, in order, in the cues' text (a word wider than a line or
longer than a cue stays whole and is counted as a violation, never shortened or dropped). Cues never overlap and are
at least the profile's gap apart. Within that, cues are chosen by dynamic programming over the cut positions of each
stretch of one speaker's speech: a cue must fit the profile's lines (unless it is one word) and last at most the
maximum duration (unless one word does); cuts are cheap after a sentence end, dearer after a clause or before a
conjunction, dearest where the profile's language keeps two words together; a sentence end inside a cue, a reading
speed above the profile's and a cue that cannot be shown for the minimum duration cost extra. A cue shorter than the
minimum or too fast to read is extended into the silence that follows, never past the next cue. A speaker change
starts a new cue, except that two short turns that could not each be read in time share one, a dash-led line each
(the profile's `speaker_dash`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from subtitle_writer.profiles import BreakRules, Profile

# Sentence ends: . ! ? and the ellipsis, plus the ideographic full stop and the full-width ! and ? of CJK text.
SENTENCE_MARKS = ".!?\u2026\u3002\uff01\uff1f"
# Clause ends: , ; : the en and em dash, and their CJK forms.
CLAUSE_MARKS = ",;:\u2013\u2014\u3001\uff0c\uff1b\uff1a"
CLOSERS = "'\"\u201d\u2019\u00bb)]"
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}][{re.escape(CLOSERS)}]*$")
_CLAUSE_END = re.compile(f"[{re.escape(CLAUSE_MARKS)}][{re.escape(CLOSERS)}]*$")
_EDGE_PUNCTUATION = "\"'\u201c\u201d\u2018\u2019()[],.;:!?\u2026"

SPEECH_BREAK_MS = 1500  # a silence this long always ends a cue: the text would hang on screen over nothing
PAUSE_MS = 500  # a shorter pause still makes a good place for a cut

# Costs of the dynamic programme (one cue = 1).
_CUT_COST = {"sentence": 0.0, "clause": 1.0, "before": 2.0, "word": 3.0, "keep": 8.0}
_INNER_SENTENCE = 1.5  # a sentence end inside a cue: one sentence per cue where it fits
_TWO_LINES = 0.3
_SHORT = 2.0  # shown less than the minimum duration
_FAST = 2.0  # plus 10 per 100 % above the reading speed
_OVERSIZE = 5.0  # one word wider than the lines or longer than a cue


class TimedWord(Protocol):
    """What the writer needs of a word (illustrate_scenes.transcript.Word has it): punctuation attached."""

    @property
    def text(self) -> str: ...
    @property
    def start_ms(self) -> int: ...
    @property
    def end_ms(self) -> int: ...
    @property
    def speaker(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SubtitleCue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    first_word: int  # index of the cue's first word in the input
    word_count: int
    speaker: str | None = None
    turns: tuple[int, ...] = ()  # two speakers: words of each one's line (the lines then start with the dash)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def spoken_lines(cue: SubtitleCue, profile: Profile) -> tuple[str, ...]:
    """The cue's lines without the two-speaker dashes: the words as spoken."""
    if not cue.turns:
        return cue.lines
    return tuple(line.removeprefix(profile.speaker_dash) for line in cue.lines)


def is_sentence_end(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def is_clause_end(text: str) -> bool:
    return bool(_CLAUSE_END.search(text))


def _bare(text: str) -> str:
    return text.strip(_EDGE_PUNCTUATION).lower()


def cut_kinds(texts: Sequence[str], starts: Sequence[int], ends: Sequence[int], rules: BreakRules) -> list[str]:
    """For each word, how good a place the gap after it is for a cut or a line break (the last word: 'sentence')."""
    kinds = []
    n = len(texts)
    for k in range(n):
        text = texts[k]
        if k == n - 1 or is_sentence_end(text):
            kinds.append("sentence")
            continue
        following = texts[k + 1]
        if is_clause_end(text) or starts[k + 1] - ends[k] >= PAUSE_MS:
            kinds.append("clause")
        elif (
            _bare(text) in rules.keep_with_next
            or _bare(following) in rules.keep_with_previous
            or _names(text, following, texts[k - 1] if k else None)
        ):
            kinds.append("keep")
        elif _bare(following) in rules.break_before:
            kinds.append("before")
        else:
            kinds.append("word")
    return kinds


def _names(text: str, following: str, previous: str | None) -> bool:
    """First and last name: two capitalised words in a row, the first not opening a sentence (a heuristic)."""
    return (
        text[:1].isupper()
        and following[:1].isupper()
        and previous is not None
        and not is_sentence_end(previous)
        and text.isalpha()
    )


@dataclass(frozen=True)
class _Speech:
    """The words as parallel lists: the segmentation loop runs ~10 times per word and reads nothing else."""

    starts: list[int]
    ends: list[int]
    widths: list[float]
    cuts: list[float]  # cost of a cut after each word
    sentence: list[bool]  # the word ends a sentence
    joiner: float  # width of the text between two words


def recut(words: Sequence[TimedWord], profile: Profile, rules: BreakRules | None = None) -> list[SubtitleCue]:
    """Cues holding every word once, in order, under `profile` (see the module docstring)."""
    n = len(words)
    if n == 0:
        return []
    texts = [" ".join(w.text.split()) for w in words]
    starts = [w.start_ms for w in words]
    ends = [max(w.end_ms, w.start_ms) for w in words]
    speakers = [w.speaker for w in words]
    widths = [profile.width(t) for t in texts]
    joiner = profile.width(profile.word_joiner)
    kinds = cut_kinds(texts, starts, ends, rules or BreakRules())
    speech = _Speech(starts, ends, widths, [_CUT_COST[k] for k in kinds], [k == "sentence" for k in kinds], joiner)

    spans: list[tuple[int, int]] = []
    begin = 0
    for k in range(1, n + 1):
        if (
            k == n
            or starts[k] - ends[k - 1] >= SPEECH_BREAK_MS
            or (speakers[k] is not None and speakers[k - 1] is not None and speakers[k] != speakers[k - 1])
        ):
            spans.append((begin, k))
            begin = k

    cues: list[SubtitleCue] = []
    for a, b in spans:
        for i, j in _segment(speech, a, b, profile):
            lines = _lines(texts[i:j], widths[i:j], kinds[i:j], joiner, profile)
            cues.append(SubtitleCue(starts[i], ends[j - 1], lines, i, j - i, speakers[i]))
    return _time(_pair_turns(cues, profile), profile)


def _too_short(cue: SubtitleCue, following: SubtitleCue | None, profile: Profile) -> bool:
    """Whether the cue cannot stay up long enough to be read before the next one starts."""
    room = following.start_ms - profile.min_gap_ms if following else cue.start_ms + profile.max_duration_ms
    return room - cue.start_ms < max(profile.min_duration_ms, reading_ms(cue, profile))


def reading_ms(cue: SubtitleCue, profile: Profile) -> float:
    """Time to read the cue at the profile's reading speed."""
    return profile.width(profile.word_joiner.join(cue.lines)) * 1000 / profile.max_cps


def _pair_turns(cues: list[SubtitleCue], profile: Profile) -> list[SubtitleCue]:
    """Two short turns of different speakers that could not each be read in time share one cue, a dash-led line each."""
    paired: list[SubtitleCue] = []
    index = 0
    while index < len(cues):
        cue = cues[index]
        following = cues[index + 1] if index + 1 < len(cues) else None
        after = cues[index + 2] if index + 2 < len(cues) else None
        dash = profile.width(profile.speaker_dash)
        if (
            following is not None
            and cue.speaker is not None
            and following.speaker is not None
            and cue.speaker != following.speaker
            and len(cue.lines) == len(following.lines) == 1
            and max(profile.width(cue.lines[0]), profile.width(following.lines[0])) + dash <= profile.max_line_chars
            and following.start_ms - cue.end_ms < SPEECH_BREAK_MS
            and following.end_ms - cue.start_ms <= profile.max_duration_ms
            and (_too_short(cue, following, profile) or _too_short(following, after, profile))
        ):
            lines = (profile.speaker_dash + cue.lines[0], profile.speaker_dash + following.lines[0])
            words = cue.word_count + following.word_count
            turns = (cue.word_count, following.word_count)
            paired.append(SubtitleCue(cue.start_ms, following.end_ms, lines, cue.first_word, words, cue.speaker, turns))
            index += 2
            continue
        paired.append(cue)
        index += 1
    return paired


def _segment(speech: _Speech, a: int, b: int, profile: Profile) -> list[tuple[int, int]]:  # noqa: PLR0912, PLR0915
    """The cheapest split of words a..b-1 into cues, as (first, end) index pairs.

    One inlined loop on purpose: a helper call per (start, end) pair would add a third to a 4-hour transcript's time.
    """
    starts, ends, widths, cuts, sentence, joiner = (
        speech.starts,
        speech.ends,
        speech.widths,
        speech.cuts,
        speech.sentence,
        speech.joiner,
    )
    line_max = profile.max_line_chars
    lines_max = profile.max_lines
    max_ms = profile.max_duration_ms
    min_ms = profile.min_duration_ms
    gap = profile.min_gap_ms
    max_cps = profile.max_cps
    ms_per_char = 1000 / max_cps
    n = len(starts)
    inf = float("inf")
    best = [inf] * (b - a + 1)
    back = [0] * (b - a + 1)
    best[0] = 0.0
    for i in range(a, b):
        base = best[i - a]
        if base == inf:
            continue
        start = starts[i]
        lines = 1
        line_width = -joiner
        total = -joiner
        inner = 0.0
        for j in range(i + 1, b + 1):
            w = widths[j - 1]
            total += joiner + w
            single = j == i + 1
            if line_width + joiner + w <= line_max:
                line_width += joiner + w
            elif single:
                line_width = w
            else:
                lines += 1
                line_width = w
            speech_end = ends[j - 1]
            if not single and (lines > lines_max or line_width > line_max or speech_end - start > max_ms):
                break
            cost = base + 1.0 + cuts[j - 1] + inner
            if single and (w > line_max or speech_end - start > max_ms):
                cost += _OVERSIZE
            if lines > 1:
                cost += _TWO_LINES
            # Display time: what reading needs, within the silence before the next word (plain comparisons: this
            # loop runs ~10 times per word, and min/max calls double its time).
            room = (starts[j] - gap if j < n else start + max_ms) - start
            spoken = speech_end - start
            room = spoken if spoken > room else room
            needed = total * ms_per_char
            needed = needed if needed > min_ms else min_ms
            if needed > room:
                shown = room if room > 1 else 1
                if shown < min_ms:
                    cost += _SHORT
                if total * 1000 / shown > max_cps:
                    cost += _FAST + 10.0 * (total * 1000 / shown / max_cps - 1)
            if cost < best[j - a]:
                best[j - a] = cost
                back[j - a] = i
            if single and (w > line_max or speech_end - start > max_ms):
                break  # an oversized word stands alone
            if sentence[j - 1]:
                inner += _INNER_SENTENCE
    pairs = []
    j = b
    while j > a:
        i = back[j - a]
        pairs.append((i, j))
        j = i
    pairs.reverse()
    return pairs


def _lines(texts: list[str], widths: list[float], kinds: list[str], joiner: float, profile: Profile) -> tuple[str, ...]:
    """One line when the text fits, else the best break: after punctuation, before a conjunction, balanced."""
    glue = profile.word_joiner
    total = sum(widths) + joiner * (len(widths) - 1)
    if total <= profile.max_line_chars or len(texts) == 1:
        return (glue.join(texts),)
    best_key: tuple[float, int] | None = None
    first = 0.0
    choice = len(texts) - 1
    for k in range(len(texts) - 1):
        first += widths[k] + (joiner if k else 0)
        second = total - first - joiner
        overflow = max(first - profile.max_line_chars, 0) + max(second - profile.max_line_chars, 0)
        key = (overflow * 100 + _CUT_COST[kinds[k]] + abs(first - second) / profile.max_line_chars * 2, k)
        if best_key is None or key < best_key:
            best_key, choice = key, k
    return (glue.join(texts[: choice + 1]), glue.join(texts[choice + 1 :]))


def _time(cues: list[SubtitleCue], profile: Profile) -> list[SubtitleCue]:
    """Final times: extended into the following silence up to what reading needs, never closer than the gap."""
    timed: list[SubtitleCue] = []
    previous_end: int | None = None
    for index, cue in enumerate(cues):
        start = cue.start_ms if previous_end is None else max(cue.start_ms, previous_end + profile.min_gap_ms)
        speech_end = cue.end_ms
        reading = reading_ms(cue, profile)
        target = max(speech_end, start + profile.min_duration_ms, start + round(reading))
        if target > speech_end:
            target = min(target, max(speech_end, start + profile.max_duration_ms))
        if index + 1 < len(cues):
            target = min(target, cues[index + 1].start_ms - profile.min_gap_ms)
        end = max(target, start + 1)
        timed.append(SubtitleCue(start, end, cue.lines, cue.first_word, cue.word_count, cue.speaker, cue.turns))
        previous_end = end
    return timed
