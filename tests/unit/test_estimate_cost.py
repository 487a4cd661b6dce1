"""scripts/estimate_cost.py: every item is a quantity of the pipeline times a price of scripts/prices.json (or, for
images, of the model catalogue functions/pipeline_core/models.json, the one place image prices live), the
configuration comes from the flags, the terraform outputs or variables.tf, and docs/cost.md shows the same numbers."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import estimate_cost as ec
import pytest

REPO = Path(__file__).resolve().parents[2]
PRICES = REPO / "scripts" / "prices.json"
RAW = json.loads(PRICES.read_text(encoding="utf-8"))
MODELS = json.loads((REPO / "functions" / "pipeline_core" / "models.json").read_text(encoding="utf-8"))
IMAGE_PRICES = [
    {"id": m["price"]["id"], "usd": m["price"]["usd"], "per": 1}
    for m in MODELS["image_models"].values()
    if m["price"].get("id")
]


def raw_price(price_id: str) -> dict[str, Any]:
    return next(entry for entry in [*RAW["prices"], *IMAGE_PRICES] if entry["id"] == price_id)


def unit_usd(price_id: str) -> float:
    entry = raw_price(price_id)
    return entry["usd"] / entry["per"]


@pytest.fixture(scope="module")
def table() -> ec.PriceTable:
    return ec.load_prices()


@pytest.fixture(scope="module")
def defaults() -> dict[str, Any]:
    return ec.module_defaults()


def configured(defaults: dict[str, Any], **changes: Any) -> ec.Configuration:
    return dataclasses.replace(ec.resolve({}, None, defaults)[0], **changes)


def item(estimate: ec.Estimate, item_id: str) -> ec.Item:
    return next(i for i in estimate.items if i.id == item_id)


# ---------------------------------------------------------------------------------------------------------------
# The estimate is the sum of table prices times quantities
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [3, 60])
@pytest.mark.parametrize("prompt_model", [None, "us.amazon.nova-lite-v1:0"])
def test_every_item_is_its_quantity_times_the_table_price_and_the_total_their_sum(
    table: ec.PriceTable, defaults: dict[str, Any], minutes: float, prompt_model: str | None
) -> None:
    estimate = ec.estimate(minutes, configured(defaults, prompt_model_id=prompt_model), table)

    expected = 0.0
    for line in estimate.items:
        if line.price is None:
            assert line.cost == 0
            continue
        cost = line.quantity * unit_usd(line.price.id)
        assert line.cost == pytest.approx(cost), line.id
        expected += cost
    assert estimate.total == pytest.approx(expected)
    priced = {line.price.id for line in estimate.items if line.price}
    assert {"transcribe_batch", "lambda_requests", "api_gateway_rest_requests", "s3_storage"} <= priced
    if prompt_model:
        assert {"nova_lite_input", "nova_lite_output"} <= priced
    else:
        assert not any(p.startswith("nova_lite") for p in priced)


def test_the_quantities_follow_the_pipeline(table: ec.PriceTable, defaults: dict[str, Any]) -> None:
    config = configured(defaults, scene_seconds=30, max_images_per_file=10, image_concurrency=4)
    estimate = ec.estimate(3, config, table, ec.Assumptions(audio_mb=3))

    assert item(estimate, "transcribe").quantity == 3  # minutes, billed per second
    assert estimate.images == 6 == item(estimate, "images").quantity
    assert item(estimate, "lambda_requests").quantity == 2  # one invocation of each function
    assert item(estimate, "api_requests").quantity == 1
    # upload, job record, Transcribe's four objects, the re-cut .srt and .vtt, gallery, manifest, and the images
    assert item(estimate, "s3_put").quantity == 10 + estimate.images
    assert item(estimate, "s3_get").quantity == len(ec.GETS)
    # 6 images, 4 at a time: two rounds of model calls in the image function, after one prompt-director call
    a = ec.Assumptions()
    image_seconds = a.image_overhead_seconds + a.prompt_seconds + 2 * a.image_seconds
    gb_seconds = config.transcription_memory_size / 1024 * a.transcription_seconds + (
        config.image_memory_size / 1024 * image_seconds
    )
    assert item(estimate, "lambda_duration").quantity == pytest.approx(gb_seconds)


def test_transcribe_bills_at_least_15_seconds(table: ec.PriceTable, defaults: dict[str, Any]) -> None:
    line = item(ec.estimate(6 / 60, configured(defaults), table), "transcribe")
    assert line.quantity == pytest.approx(15 / 60)
    assert line.cost == pytest.approx(15 / 60 * unit_usd("transcribe_batch"))


@pytest.mark.parametrize(
    ("minutes", "scene_seconds", "max_images", "images"),
    [
        (3, 30, 10, 6),
        (60, 30, 10, 10),  # 120 scenes wanted, capped
        (60, 30, 3, 3),
        (10, 60, 100, 10),
        (0.75, 30, 10, 2),  # 1.5 scene lengths round up
        (0.1, 30, 10, 1),  # at least one image
    ],
)
def test_images_follow_scene_seconds_and_are_capped_by_max_images_per_file(
    table: ec.PriceTable, defaults: dict[str, Any], minutes: float, scene_seconds: int, max_images: int, images: int
) -> None:
    config = configured(defaults, scene_seconds=scene_seconds, max_images_per_file=max_images)
    estimate = ec.estimate(minutes, config, table)
    assert estimate.images == images
    assert item(estimate, "images").cost == pytest.approx(images * unit_usd("stability_stable_image_core"))
    assert item(estimate, "s3_put").quantity == len(ec.FIXED_PUTS) + images


@pytest.mark.parametrize(
    ("model_id", "aspect_ratio", "price_id", "pixels"),
    [
        ("stability.sd3-5-large-v1:0", "1:1", "stability_sd3_5_large", 1024 * 1024),
        ("stability.stable-image-ultra-v1:1", "16:9", "stability_stable_image_ultra", 1344 * 768),
        ("stability.stable-image-core-v1:1", "16:9", "stability_stable_image_core", 1344 * 768),
    ],
)
def test_the_image_price_depends_on_the_model_and_storage_on_the_aspect_ratio(
    table: ec.PriceTable, defaults: dict[str, Any], model_id: str, aspect_ratio: str, price_id: str, pixels: int
) -> None:
    config = configured(defaults, image_model_id=model_id, image_aspect_ratio=aspect_ratio)
    estimate = ec.estimate(3, config, table)
    line = item(estimate, "images")
    assert line.price is not None
    assert line.price.id == price_id
    assert line.cost == pytest.approx(estimate.images * unit_usd(price_id))
    assert estimate.figures["stored_bytes"]["images"] == round(
        estimate.images * pixels * ec.Assumptions().png_bytes_per_pixel
    )


def test_image_prices_live_only_in_the_model_catalogue() -> None:
    assert not [entry for entry in RAW["prices"] if entry.get("kind") == "image"]
    table = ec.load_prices()
    image_ids = {p.id for p in table.prices if p.entry.get("kind") == "image"}
    assert image_ids == {p["id"] for p in IMAGE_PRICES}


@pytest.mark.parametrize(
    ("config_change", "problem"),
    [
        ({"image_model_id": "amazon.titan-image-generator-v2:0", "image_aspect_ratio": "16:9"}, "end of life"),
        ({"image_model_id": "us.amazon.nova-2-omni-v1:0", "image_aspect_ratio": "21:9"}, "image_aspect_ratio"),
        ({"image_model_id": "us.amazon.nova-2-omni-v1:0"}, "tokens per image not published"),
    ],
)
def test_a_model_or_size_that_cannot_be_priced_is_refused(
    table: ec.PriceTable, defaults: dict[str, Any], config_change: dict[str, str], problem: str
) -> None:
    with pytest.raises(ec.EstimateError, match=problem):
        ec.estimate(3, configured(defaults, **config_change), table)


@pytest.mark.parametrize(
    ("model_id", "price_prefix"),
    [
        ("us.amazon.nova-lite-v1:0", "nova_lite"),
        ("amazon.nova-micro-v1:0", "nova_micro"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "claude_3_haiku"),
    ],
)
def test_the_director_is_priced_per_token_for_one_call_per_forty_scenes(
    table: ec.PriceTable, defaults: dict[str, Any], model_id: str, price_prefix: str
) -> None:
    estimate = ec.estimate(12, configured(defaults, prompt_model_id=model_id, max_images_per_file=20), table)
    tokens_in, tokens_out = item(estimate, "text_input"), item(estimate, "text_output")
    assert tokens_in.price is not None
    assert tokens_in.price.id == f"{price_prefix}_input"
    assert tokens_out.price is not None
    assert tokens_out.price.id == f"{price_prefix}_output"
    assert tokens_in.quantity > 0
    assert tokens_out.quantity > 0
    assert tokens_in.detail == tokens_out.detail == "1 call"
    # Longer scenes send more transcript text; more scenes ask for more prompts back.
    fewer_scenes = ec.estimate(12, configured(defaults, prompt_model_id=model_id, max_images_per_file=2), table)
    assert item(fewer_scenes, "text_output").quantity < tokens_out.quantity
    many = ec.estimate(240, configured(defaults, prompt_model_id=model_id, max_images_per_file=100), table)
    assert item(many, "text_input").detail == "3 calls"  # 100 scenes: 40 + 40 + 20


def test_architecture_selects_the_lambda_price(table: ec.PriceTable, defaults: dict[str, Any]) -> None:
    arm = item(ec.estimate(3, configured(defaults, lambda_architecture="arm64"), table), "lambda_duration")
    x86 = item(ec.estimate(3, configured(defaults, lambda_architecture="x86_64"), table), "lambda_duration")
    assert arm.price is not None
    assert arm.price.id == "lambda_duration_arm64"
    assert x86.price is not None
    assert x86.price.id == "lambda_duration_x86_64"
    assert arm.quantity == x86.quantity


def test_a_file_over_the_upload_api_limit_takes_the_presigned_path(
    table: ec.PriceTable, defaults: dict[str, Any]
) -> None:
    small = ec.estimate(3, configured(defaults), table, ec.Assumptions(audio_mb=5))
    large = ec.estimate(3, configured(defaults), table, ec.Assumptions(audio_mb=20))
    # Either way one API request: the PUT itself, or the POST that returns the presigned URL.
    assert item(small, "api_requests").quantity == item(large, "api_requests").quantity == 1
    assert not small.notes
    assert any("presigned URL" in note for note in large.notes)
    # The presigned path adds one short invocation of the presign function.
    assert item(large, "lambda_requests").quantity == item(small, "lambda_requests").quantity + 1
    assert item(large, "lambda_duration").quantity > item(small, "lambda_duration").quantity
    assert item(large, "s3_storage").quantity > item(small, "s3_storage").quantity


# ---------------------------------------------------------------------------------------------------------------
# Errors: models without a price, a broken table
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "model_id", "table_name"),
    [
        ("image_model_id", "amazon.titan-image-generator-v9:0", "image-model catalogue"),
        ("image_model_id", "acme.painter-v1:0", "image-model catalogue"),
        ("prompt_model_id", "us.meta.llama3-8b-instruct-v1:0", "scripts/prices.json"),
    ],
)
def test_a_model_without_a_price_is_an_error_naming_model_and_table(
    table: ec.PriceTable, defaults: dict[str, Any], field: str, model_id: str, table_name: str
) -> None:
    with pytest.raises(ec.EstimateError) as raised:
        ec.estimate(3, configured(defaults, **{field: model_id}), table)
    assert model_id in str(raised.value)
    assert table_name in str(raised.value)


def test_the_command_reports_an_unknown_model_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert ec.main(["--image-model", "acme.painter-v1:0"]) == 2
    err = capsys.readouterr().err
    assert "acme.painter-v1:0" in err
    assert "Active image models" in err


def test_the_error_names_the_table_in_use(tmp_path: Path, defaults: dict[str, Any]) -> None:
    data = json.loads(PRICES.read_text(encoding="utf-8"))
    data["prices"] = [p for p in data["prices"] if "amazon.nova-lite-v1:0" not in p.get("models", [])]
    path = tmp_path / "other-prices.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ec.EstimateError, match=r"us\.amazon\.nova-lite-v1:0.*other-prices\.json"):
        ec.estimate(3, configured(defaults), ec.load_prices(path))


def test_every_price_has_unit_value_region_source_and_date(table: ec.PriceTable) -> None:
    for price in table.prices:
        assert price.unit
        assert price.usd >= 0
        assert price.per > 0
        assert price.region == "us-east-1"
        assert price.source.startswith("https://aws.amazon.com/")
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", price.collected)
        assert isinstance(price.entry["third_party"], bool)


def test_a_price_without_source_is_refused(tmp_path: Path) -> None:
    data = json.loads(PRICES.read_text(encoding="utf-8"))
    del data["prices"][0]["source"]
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ec.EstimateError, match="missing source"):
        ec.load_prices(path)


# ---------------------------------------------------------------------------------------------------------------
# Configuration: variables.tf defaults, terraform outputs, flags
# ---------------------------------------------------------------------------------------------------------------


def _set_default(text: str, variable: str, value: str) -> str:
    pattern = re.compile(rf'(variable "{variable}" \{{.*?\n  default\s*=\s*)([^\n]*)', re.DOTALL)
    changed, count = pattern.subn(lambda m: m.group(1) + value, text, count=1)
    assert count == 1, variable
    return changed


def test_defaults_are_read_from_variables_tf(tmp_path: Path, table: ec.PriceTable) -> None:
    text = (REPO / "variables.tf").read_text(encoding="utf-8")
    text = _set_default(text, "image_model_id", '"stability.stable-image-core-v1:1"')
    text = _set_default(text, "scene_seconds", "45")
    text = _set_default(text, "image_memory_size", "1024")
    path = tmp_path / "variables.tf"
    path.write_text(text, encoding="utf-8")

    defaults = ec.module_defaults(path)
    assert defaults["image_model_id"] == "stability.stable-image-core-v1:1"
    assert defaults["scene_seconds"] == 45
    assert defaults["image_memory_size"] == 1024
    assert defaults["prompt_model_id"] is None  # `null` in variables.tf: the catalogue's default director model
    assert defaults["prompt_director"] is True
    config = ec.resolve({}, None, defaults)[0]
    assert config.prompt_model_id == "us.amazon.nova-lite-v1:0"
    estimate = ec.estimate(3, config, table)
    assert estimate.images == 4  # 180 s / 45 s
    assert item(estimate, "images").price.id == "stability_stable_image_core"


def test_every_cost_driver_is_a_variable_of_the_module(defaults: dict[str, Any]) -> None:
    assert set(defaults) == set(ec.VARIABLES)
    names = re.findall(r'^variable "([a-z_]+)"', (REPO / "variables.tf").read_text(encoding="utf-8"), re.MULTILINE)
    assert set(ec.VARIABLES) <= set(names)


def test_a_missing_variable_is_named(tmp_path: Path) -> None:
    path = tmp_path / "variables.tf"
    path.write_text('variable "image_aspect_ratio" {\n  type    = string\n  default = "16:9"\n}\n', encoding="utf-8")
    with pytest.raises(ec.EstimateError, match="image_model_id"):
        ec.module_defaults(path)


def _outputs(**environment: str) -> dict[str, Any]:
    image_env = {
        "IMAGE_BUCKET": "talks-image",
        "IMAGE_MODEL_ID": "stability.sd3-5-large-v1:0",
        "SCENE_SECONDS": "60",
        "MAX_IMAGES_PER_FILE": "8",
        "IMAGE_STYLE": "",
        "PROMPT_MODEL_ID": "",
        "IMAGE_CONCURRENCY": "2",
        "IMAGE_ASPECT_RATIO": "16:9",
        "LOG_LEVEL": "INFO",
        **environment,
    }
    return {
        "function_environment": {
            "sensitive": False,
            "value": {"start_transcription": {"TRANSCRIPT_BUCKET": "talks-transcript"}, "illustrate_scenes": image_env},
        },
        "stage_url": {"sensitive": False, "value": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"},
    }


def test_terraform_outputs_then_flags_override_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps(_outputs(PROMPT_MODEL_ID="us.amazon.nova-micro-v1:0")), encoding="utf-8")

    code = ec.main(["--from-terraform", str(saved), "--max-images", "3", "--minutes", "10", "--json"])

    assert code == 0
    document = json.loads(capsys.readouterr().out)
    config, sources = document["configuration"], document["configuration_sources"]
    assert config["image_model_id"] == "stability.sd3-5-large-v1:0"
    assert sources["image_model_id"] == "terraform output"
    assert config["prompt_model_id"] == "us.amazon.nova-micro-v1:0"
    assert (config["max_images_per_file"], sources["max_images_per_file"]) == (3, "flag")
    assert sources["image_memory_size"] == "variables.tf default"
    assert any("image_memory_size" in note and "not among the terraform outputs" in note for note in document["notes"])
    assert any("eu-west-1" in note for note in document["notes"])
    (estimate,) = document["estimates"]
    assert estimate["images"] == 3
    assert estimate["total_usd"] == pytest.approx(sum(line["cost_usd"] for line in estimate["items"]))
    assert document["free_tiers_subtracted"] is False


def test_from_terraform_runs_terraform_output_in_the_directory(tmp_path: Path) -> None:
    fake = tmp_path / "terraform"
    record = tmp_path / "argv.json"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"print({json.dumps(json.dumps(_outputs()))})\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    values = ec.values_from_outputs(ec.terraform_outputs(tmp_path, str(fake)))
    assert json.loads(record.read_text(encoding="utf-8")) == [f"-chdir={tmp_path}", "output", "-json"]
    assert values.values["image_model_id"] == "stability.sd3-5-large-v1:0"
    # Empty PROMPT_MODEL_ID with the director on: the function takes the catalogue's default director model.
    assert values.values["prompt_model_id"] == "us.amazon.nova-lite-v1:0"
    assert values.region == "eu-west-1"
    off = ec.values_from_outputs(_outputs(PROMPT_DIRECTOR="false"))
    assert (off.values["prompt_director"], off.values["prompt_model_id"]) == (False, None)


def test_outputs_without_function_environment_are_explained() -> None:
    with pytest.raises(ec.EstimateError, match="function_environment"):
        ec.values_from_outputs({"stage_url": {"value": "https://x"}})


def test_an_invalid_environment_names_the_variable() -> None:
    with pytest.raises(ec.EstimateError, match="MAX_IMAGES_PER_FILE"):
        ec.values_from_outputs(_outputs(MAX_IMAGES_PER_FILE="many"))


def test_prompt_model_none_turns_the_text_model_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps(_outputs(PROMPT_MODEL_ID="us.amazon.nova-lite-v1:0")), encoding="utf-8")
    assert ec.main(["--from-terraform", str(saved), "--prompt-model", "none", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["configuration"]["prompt_model_id"] is None
    assert all(line["id"] != "text_input" for est in document["estimates"] for line in est["items"])


# ---------------------------------------------------------------------------------------------------------------
# Output and README
# ---------------------------------------------------------------------------------------------------------------


def test_the_text_table_lists_every_item_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert ec.main(["--minutes", "3"]) == 0
    out = capsys.readouterr().out
    for label in ("Amazon Transcribe", "Images", "Prompt director", "AWS Lambda", "API Gateway", "Amazon S3", "Total"):
        assert label in out
    assert "free tiers are not subtracted" in out


def test_the_script_runs_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "estimate_cost.py"), "--minutes", "3", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO / "tests",
    )
    assert done.returncode == 0, done.stderr
    (estimate,) = json.loads(done.stdout)["estimates"]
    assert estimate["minutes"] == 3


def test_readme_cost_section_matches_the_price_table(table: ec.PriceTable, defaults: dict[str, Any]) -> None:
    readme = (REPO / "docs" / "cost.md").read_text(encoding="utf-8")
    wanted = ec.render_readme(readme, ec.render_readme_section(table, defaults))
    assert readme == wanted, f"docs/cost.md's cost section is stale: run {ec.REGENERATE}"
    assert ec.BEGIN not in (REPO / "README.md").read_text(encoding="utf-8"), "the README links to docs/cost.md"


def test_the_readme_section_changes_with_a_price(tmp_path: Path, defaults: dict[str, Any]) -> None:
    data = json.loads(PRICES.read_text(encoding="utf-8"))
    for entry in data["prices"]:
        if entry["id"] == "nova_canvas_standard_1024":
            entry["usd"] *= 2
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    original = ec.render_readme_section(ec.load_prices(), defaults)
    changed = ec.render_readme_section(ec.load_prices(path), defaults)
    assert original != changed
    for entry in RAW["prices"]:
        assert entry["source"] in original


def test_translated_subtitles_cost_fifteen_dollars_a_million_characters_per_language(
    table: ec.PriceTable, defaults: dict[str, Any]
) -> None:
    assert defaults["subtitle_languages"] == ()
    without = ec.estimate(60, configured(defaults), table)
    assert "translate" not in {i.id for i in without.items}
    both = ec.estimate(60, configured(defaults, subtitle_languages=("en", "ja")), table)
    characters = 60 * ec.Assumptions().words_per_minute * ec.Assumptions().chars_per_word
    translated = item(both, "translate")
    assert translated.quantity == 2 * characters
    assert translated.cost == pytest.approx(2 * characters * 15 / 1_000_000)
    assert unit_usd("translate_text") == pytest.approx(15 / 1_000_000)
    assert item(both, "s3_put").quantity == item(without, "s3_put").quantity + 4
    assert both.total == pytest.approx(without.total + translated.cost, rel=1e-3)


def test_subtitle_languages_come_from_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert ec.main(["--minutes", "3", "--subtitle-languages", "en,ja", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["configuration"]["subtitle_languages"] == ["en", "ja"]
    assert "translate" in {i["id"] for i in document["estimates"][0]["items"]}
