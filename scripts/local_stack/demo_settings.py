"""The demo's settings beside the module's defaults, printed before the demo starts, so that nobody takes the demo's
short scenes or small image cap for what a deployment does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tf_docs

from pipeline_core.units import format_duration

VARIABLES_FILE = Path(__file__).resolve().parents[2] / "variables.tf"


@dataclass(frozen=True)
class Setting:
    variable: str  # the module's variable (and the environment variable the demo sets in brackets)
    label: str
    value: str
    unit: str = ""  # "s": a duration in seconds, shown as one (pipeline_core.units)
    why: str = ""  # why the demo differs from the module, when it does
    unset: str = "not set"  # what an empty value or null means, e.g. "identified" for the language


def module_defaults(names: list[str], path: Path = VARIABLES_FILE) -> dict[str, str | None]:
    """The default of each variable as written in variables.tf (strings unquoted; "null" as None)."""
    variables = {v.name: v for v in tf_docs.read_variables(path)}
    defaults: dict[str, str | None] = {}
    for name in names:
        text = (variables[name].default or "null").strip() if name in variables else "null"
        string = tf_docs.string_value(text)
        defaults[name] = None if text == "null" else (string if string is not None else text)
    return defaults


def _shown(value: str | None, setting: Setting) -> str:
    if value is None or value == "":
        return setting.unset
    return format_duration(float(value)) if setting.unit == "s" else value


def describe(settings: list[Setting], defaults: Mapping[str, str | None] | None = None) -> list[str]:
    """One line per setting: its value, then the module's default when it differs and why."""
    defaults = defaults if defaults is not None else module_defaults([s.variable for s in settings])
    shown = [_shown(s.value, s) for s in settings]
    label_width, value_width = max(len(s.label) for s in settings), max(len(v) for v in shown)
    lines = []
    for setting, value in zip(settings, shown, strict=True):
        default = _shown(defaults.get(setting.variable), setting)
        if value == default:
            note = f"as the module ({setting.variable})"
        else:
            note = f"module default {default} ({setting.variable})" + (f": {setting.why}" if setting.why else "")
        lines.append(f"  {setting.label:<{label_width}}  {value:<{value_width}}  {note}")
    return lines
