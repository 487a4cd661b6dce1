"""The demo says how its settings differ from the module's defaults, read from variables.tf itself."""

from __future__ import annotations

from local_stack import demo_settings
from local_stack.demo_settings import Setting


def test_the_defaults_come_from_variables_tf() -> None:
    defaults = demo_settings.module_defaults(["scene_seconds", "max_images_per_file", "language_code", "name"])
    assert defaults["scene_seconds"] == "30"
    assert defaults["max_images_per_file"] == "10"
    assert defaults["language_code"] is None  # null
    assert defaults["name"] is None  # required: no default


def test_a_different_value_names_the_default_and_why_an_equal_one_says_so() -> None:
    lines = demo_settings.describe(
        [
            Setting("scene_seconds", "scene length", "10", "s", "shorter"),
            Setting("max_images_per_file", "image cap", "10"),
            Setting("language_code", "language", "", unset="identified"),
            Setting("language_code", "language", "ko-KR", why="given with LANGUAGE=", unset="identified"),
        ],
        {"scene_seconds": "30", "max_images_per_file": "10", "language_code": None},
    )
    assert [" ".join(line.split()) for line in lines] == [
        "scene length 10 s module default 30 s (scene_seconds): shorter",
        "image cap 10 as the module (max_images_per_file)",
        "language identified as the module (language_code)",
        "language ko-KR module default identified (language_code): given with LANGUAGE=",
    ]
