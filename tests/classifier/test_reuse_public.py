"""A site retraining reuses the active version's public models when it would fit the very same ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service.classifier.artifact import CARD_FILE, load_version
from service.classifier.pipeline import Hyperparams, predict_targets
from service.classifier.site import train_site_blend
from service.classifier.train import reusable_public_models, version_hyperparameters
from tests.conftest import TOY_DATA_AR
from tests.site_toy import site_comments

TEXTS = ["Thanks for the clear report on the bridge.", "You are an idiot and a liar.", "Buy cheap pills now!!!"]


def test_the_same_files_params_and_seed_lend_the_versions_public_model(toy_model_dir: Path, toy_csv: Path) -> None:
    reused = reusable_public_models(toy_model_dir, [toy_csv], None, seed=3)
    assert set(reused) == {"en"}
    models, card = load_version(toy_model_dir)
    assert np.array_equal(predict_targets(reused["en"].pipeline, TEXTS), predict_targets(models["en"][0], TEXTS))
    assert reused["en"].card["metrics"]["pooled_split"] == card["metrics"]["pooled_split"]
    assert "artifact" not in reused["en"].card and "blend" not in reused["en"].card


@pytest.mark.parametrize(
    ("params", "seed"), [(None, 4), (Hyperparams(C=1.0), 3)], ids=["other seed", "other hyper-parameters"]
)
def test_anything_different_means_fitting_again(
    toy_model_dir: Path, toy_csv: Path, params: Hyperparams | None, seed: int
) -> None:
    assert reusable_public_models(toy_model_dir, [toy_csv], params, seed) == {}


def test_a_language_the_version_was_not_trained_on_is_fitted_the_other_reused(
    toy_model_dir: Path, toy_csv: Path
) -> None:
    assert set(reusable_public_models(toy_model_dir, [toy_csv, TOY_DATA_AR], None, seed=3)) == {"en"}


def test_other_files_of_a_language_mean_fitting_it_again(toy_model_dir: Path, toy_csv: Path, tmp_path: Path) -> None:
    changed = tmp_path / "toy.csv"
    changed.write_text(toy_csv.read_text(encoding="utf-8") + "One more fictional comment about the ferry.,0\n")
    assert reusable_public_models(toy_model_dir, [changed], None, seed=3) == {}


def test_a_missing_version_means_fitting_again(toy_csv: Path, tmp_path: Path) -> None:
    assert reusable_public_models(tmp_path / "absent", [toy_csv], None, seed=3) == {}
    assert version_hyperparameters(tmp_path / "absent") == {}


def test_a_versions_hyper_parameters_are_read_per_language(toy_model_dir: Path) -> None:
    _, card = load_version(toy_model_dir)
    assert version_hyperparameters(toy_model_dir)["en"].as_dict() == card["languages"]["en"]["hyperparameters"]


def test_a_site_blend_built_on_reused_public_models_keeps_them_and_can_lend_them_again(
    toy_model_dir: Path, toy_csv: Path, tmp_path: Path
) -> None:
    reused = reusable_public_models(toy_model_dir, [toy_csv], None, seed=3)
    training = [(t, h, "abuse" if h else None, "site") for t, h in site_comments(160, seed=11)]
    folder = train_site_blend([toy_csv], training, [], tmp_path, seed=3, version="2026-11-28.1", public_models=reused)
    card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    assert card["blend"]["method"] == "stacking"
    first, _ = load_version(toy_model_dir)
    blended, _ = load_version(folder)
    assert np.array_equal(predict_targets(blended["en"][0], TEXTS), predict_targets(first["en"][0], TEXTS))
    again = reusable_public_models(folder, [toy_csv], None, seed=3)
    assert "blend" not in again["en"].card and "site" not in again["en"].card["training_data"]
