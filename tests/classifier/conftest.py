"""Fixtures for the classifier tests: a tiny model trained once on the fictional toy comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.classifier.train import train_model

TOY_CSV = Path(__file__).resolve().parents[1] / "data" / "toy_comments.csv"


@pytest.fixture(scope="session")
def toy_csv() -> Path:
    return TOY_CSV


@pytest.fixture(scope="session")
def toy_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model version folder trained on tests/data/toy_comments.csv (about two seconds)."""
    return train_model([TOY_CSV], tmp_path_factory.mktemp("models"), seed=3, version="2026-11-27.1")


TOY_AR_CSV = Path(__file__).resolve().parents[1] / "data" / "toy_comments_ar.csv"


@pytest.fixture(scope="session")
def toy_ar_csv() -> Path:
    return TOY_AR_CSV


@pytest.fixture(scope="session")
def bilingual_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version folder with an English and an Arabic pipeline, trained on both toy CSVs."""
    from service.classifier.pipeline import Hyperparams

    params = Hyperparams(min_df=1, calibration_folds=2)
    return train_model(
        [TOY_CSV, TOY_AR_CSV], tmp_path_factory.mktemp("models"), seed=3, version="2026-12-03.9", params=params
    )
