"""Training and evaluation commands: deterministic cards, held-out metrics, LOSO, thresholds, immutable versions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from service.classifier import evaluate, train
from service.classifier.artifact import CARD_FILE, read_card
from service.classifier.datasets import load_rows
from service.classifier.train import suggest_thresholds, train_model


def two_source_folder(toy_csv: Path, folder: Path) -> Path:
    """Split the toy comments into two 'sources' so leave-one-source-out has something to leave out."""
    folder.mkdir()
    with toy_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for name, part in (("forum", rows[0::2]), ("paper", rows[1::2])):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["text", "label", "category"])
            writer.writeheader()
            writer.writerows(part)
    return folder


def test_same_data_and_seed_give_the_same_model_card_metrics(toy_csv: Path, tmp_path: Path) -> None:
    a = read_card(train_model([toy_csv], tmp_path / "a", seed=5))
    b = read_card(train_model([toy_csv], tmp_path / "b", seed=5))
    assert a["metrics"] == b["metrics"] and a["thresholds"] == b["thresholds"]
    assert a["artifact"]["sha256"] and a["version"] == b["version"]


def test_card_records_provenance_metrics_and_thresholds(toy_model_dir: Path, toy_csv: Path) -> None:
    card = read_card(toy_model_dir)
    assert card["version"] == "2026-11-27.1"
    assert {"python", "sklearn", "numpy", "skops"} <= set(card["libraries"])
    (file,) = card["training_data"]["files"]
    assert file["rows"] == len(load_rows([toy_csv])) and len(file["sha256"]) == 64
    pooled = card["metrics"]["pooled_split"]
    assert 0.0 <= pooled["ece"] <= 1.0 and pooled["auc"] is not None
    assert set(pooled["per_category"]) == {"abuse", "spam"}
    assert sum(b["count"] for b in pooled["reliability"]) == pooled["rows"]
    assert card["thresholds"]["publish_below"] <= card["thresholds"]["reject_at"]
    assert "generic" in card["label_mapping"] and card["hyperparameters"]["C"] > 0


def test_leave_one_source_out_scores_every_source(toy_csv: Path, tmp_path: Path) -> None:
    folder = train_model([two_source_folder(toy_csv, tmp_path / "data")], tmp_path / "models", seed=1)
    loso = read_card(folder)["metrics"]["leave_one_source_out"]
    assert set(loso["per_source"]) == {"forum", "paper"}
    assert all(0.5 < v <= 1.0 for v in loso["per_source"].values())


def test_retraining_adds_a_new_version_folder(toy_csv: Path, tmp_path: Path) -> None:
    first = train_model([toy_csv], tmp_path, seed=1, loso=False)
    second = train_model([toy_csv], tmp_path, extra_rows=[("you absolute clown", 1, "abuse", "site")], loso=False)
    assert first.name.endswith(".1") and second.name.endswith(".2")
    assert read_card(second)["training_data"]["extra_rows"] == 1
    assert (first / CARD_FILE).exists()


def test_thresholds_follow_the_held_out_scores() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(5000)
    y = (rng.random(5000) < p).astype(int)
    t = suggest_thresholds(y, p)
    assert 0 < t["publish_below"] < t["reject_at"] < 1
    assert t["held_out_effect"]["missed_share_of_positives"] <= 0.10
    assert t["held_out_effect"]["rejected_precision"] >= 0.95


def test_train_and_evaluate_commands(toy_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(["--data", str(toy_csv), "--out", str(tmp_path), "--version", "2026-01-02.7"]) == 0
    assert capsys.readouterr().out.strip().endswith("2026-01-02.7")
    assert evaluate.main(["--model", str(tmp_path / "2026-01-02.7"), "--data", str(toy_csv)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["model_version"] == "2026-01-02.7" and metrics["rows"] == 60 and metrics["auc"] > 0.9


def test_commands_report_bad_input_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate.main(["--model", str(tmp_path / "nope"), "--data", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert train.main(["--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
