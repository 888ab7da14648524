"""Model folders: round trip, immutability, and refusal of other sklearn versions, tampered or untrusted files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from service.classifier.artifact import (
    CARD_FILE,
    MODEL_FILE,
    ArtifactError,
    language_sections,
    load_artifact,
    load_version,
    next_version,
    save_version,
    sha256_file,
)
from service.classifier.pipeline import predict_targets


@pytest.fixture()
def model_copy(toy_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(toy_model_dir, tmp_path / toy_model_dir.name))


def edit_card(folder: Path, **changes: object) -> None:
    card = json.loads((folder / CARD_FILE).read_text())
    card.update(changes)
    (folder / CARD_FILE).write_text(json.dumps(card))


def _resave(models: dict[str, tuple[Pipeline, Pipeline | None]], card: dict[str, Any], folder: Path) -> dict[str, Any]:
    sections = {
        k: {f: v for f, v in s.items() if f not in ("artifact", "language")} for k, s in language_sections(card).items()
    }
    common = {k: v for k, v in card.items() if k in ("version", "created", "libraries", "seed")}
    return save_version(folder, common, sections, models)


def test_round_trip_gives_the_same_predictions_and_card(model_copy: Path, tmp_path: Path) -> None:
    models, card = load_version(model_copy)
    texts = ["you idiot", "free prize click here", "nice park"]
    again = _resave(models, card, tmp_path / "copy")
    pipeline2, card2 = load_artifact(tmp_path / "copy")
    np.testing.assert_array_equal(predict_targets(models["en"][0], texts), predict_targets(pipeline2, texts))
    assert card2 == again and card2["metrics"] == card["metrics"]
    assert card["artifact"]["sha256"] == sha256_file(model_copy / MODEL_FILE)


def test_an_existing_version_folder_is_never_overwritten(model_copy: Path) -> None:
    models, card = load_version(model_copy)
    with pytest.raises(ArtifactError, match="immutable"):
        _resave(models, card, model_copy)


def test_a_model_from_another_sklearn_version_is_refused_naming_both_versions(model_copy: Path) -> None:
    edit_card(model_copy, libraries={"sklearn": "0.24.2"})
    with pytest.raises(ArtifactError) as info:
        load_artifact(model_copy)
    assert "0.24.2" in str(info.value) and sklearn.__version__ in str(info.value)


def test_a_tampered_model_file_is_refused(model_copy: Path) -> None:
    with (model_copy / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactError, match="sha256"):
        load_artifact(model_copy)


def test_a_model_file_with_untrusted_types_is_refused(model_copy: Path) -> None:
    payload = {"pipeline": FunctionTransformer(func=np.exp), "vocabularies": {}}
    sio.dump(payload, model_copy / MODEL_FILE)
    card = json.loads((model_copy / CARD_FILE).read_text())
    card["languages"]["en"]["artifact"]["sha256"] = sha256_file(model_copy / MODEL_FILE)
    (model_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="allow-list"):
        load_artifact(model_copy)


def test_the_same_bytes_reuse_the_loaded_pipeline_and_changed_bytes_are_checked_again(model_copy: Path) -> None:
    first, _ = load_version(model_copy)
    again, _ = load_version(model_copy)
    assert again["en"][0] is first["en"][0]  # same file, still in use: not deserialised twice
    payload = {"pipeline": FunctionTransformer(func=np.exp), "vocabularies": {}}
    sio.dump(payload, model_copy / MODEL_FILE)
    with pytest.raises(ArtifactError, match="sha256"):  # the card's hash is checked on every load
        load_version(model_copy)
    card = json.loads((model_copy / CARD_FILE).read_text())
    card["languages"]["en"]["artifact"]["sha256"] = sha256_file(model_copy / MODEL_FILE)
    (model_copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="allow-list"):  # new bytes go through the allow-list
        load_version(model_copy)
    assert first["en"][0] is not None  # the first load stayed in use throughout, its bytes remembered


@pytest.mark.parametrize("missing", [MODEL_FILE, CARD_FILE])
def test_missing_files_are_refused_with_a_clear_error(model_copy: Path, missing: str) -> None:
    (model_copy / missing).unlink()
    with pytest.raises(ArtifactError, match="no "):
        load_artifact(model_copy)


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        load_artifact(tmp_path / "2026-01-01.1")


def test_next_version_counts_up_within_a_day(tmp_path: Path) -> None:
    day = dt.date(2026, 11, 27)
    assert next_version(tmp_path, day) == "2026-11-27.1"
    (tmp_path / "2026-11-27.1").mkdir()
    (tmp_path / "2026-11-27.2").mkdir()
    (tmp_path / "2026-11-26.9").mkdir()
    assert next_version(tmp_path, day) == "2026-11-27.3"
