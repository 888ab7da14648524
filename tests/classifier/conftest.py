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
