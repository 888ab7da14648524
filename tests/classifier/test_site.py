"""Site blend: a site model beside the public one, stacked out of fold, saved safely, scored fast and explained."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import logit

from service.classifier.artifact import CARD_FILE, SITE_MODEL_FILE, ArtifactError
from service.classifier.blend import FastBlend
from service.classifier.scorer import Scorer
from service.classifier.site import (
    LARGE_SITE_FOLDS,
    LARGE_SITE_ROWS,
    MIN_SITE_ROWS,
    OOF_FOLDS,
    oof_folds,
    train_site_blend,
)
from tests.classifier.test_scorer import random_texts
from tests.site_toy import site_comments

Record = tuple[str, int, str | None, str]


def records(pairs: list[tuple[str, int]]) -> list[Record]:
    return [(text, held, "abuse" if held else None, "site") for text, held in pairs]


@pytest.fixture(scope="module")
def site_rows() -> tuple[list[Record], list[Record]]:
    """160 fictional site decisions for training and 60 later ones held out."""
    return records(site_comments(160, seed=11)), records(site_comments(60, seed=12))


@pytest.fixture(scope="module")
def blend_dir(
    toy_csv: Path, site_rows: tuple[list[Record], list[Record]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    training, holdout = site_rows
    out = tmp_path_factory.mktemp("site")
    return train_site_blend([toy_csv], training, holdout, out, seed=5, version="2026-11-27.2")


@pytest.fixture(scope="module")
def blended(blend_dir: Path) -> Scorer:
    return Scorer.load(blend_dir)


def card(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    return loaded


def test_blend_folder_holds_both_models_and_a_card_showing_the_choice(blend_dir: Path) -> None:
    assert (blend_dir / "model.skops").is_file() and (blend_dir / SITE_MODEL_FILE).is_file()
    found = card(blend_dir)
    blend = found["blend"]
    assert blend["method"] == "stacking"
    assert set(blend["weights"]) == {"intercept", "public", "site", "abuse", "spam"}  # the shipped SiteMethod
    assert blend["site_method"] == {
        "inputs": "categories",
        "vocabulary": "decisions",
        "class_weight": None,
        "stacking_C": 1.0,
    }
    assert blend["site_model"]["vocabulary_texts"] == 160
    assert set(blend["alternatives"]) == {"public_alone", "site_alone", "appended", "blend"}
    assert all("holdout_auc" in v for v in blend["alternatives"].values())
    assert blend["site_model"]["rows"] == 160
    site = found["metrics"]["site_holdout"]
    assert site["rows"] == 60 and 0 <= site["ece"] <= 1 and len(site["reliability"]) == 10
    assert found["metrics"]["pooled_split"]["auc"] is not None  # the public split, as before
    assert found["site_artifact"]["sha256"] and found["version"] == "2026-11-27.2"


def test_blend_ranks_the_sites_later_comments_better_than_the_public_model_alone(blend_dir: Path) -> None:
    alternatives = card(blend_dir)["blend"]["alternatives"]
    assert alternatives["blend"]["holdout_auc"] > alternatives["public_alone"]["holdout_auc"] + 0.1
    assert card(blend_dir)["blend"]["weights"]["site"] > 0


def test_blended_fast_path_agrees_with_predict_proba(blended: Scorer, site_rows: Any) -> None:
    vocabulary = sorted({w for text, *_ in site_rows[0] for w in text.split()})
    texts = random_texts(vocabulary, 200, seed=3) + [text for text, *_ in site_rows[1]]
    fast = blended.probabilities(texts)
    slow = np.array(blended.reference_probabilities(texts))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    singles = np.array([[s.probability, *s.categories.values()] for s in blended.score_many(texts[:40])])
    np.testing.assert_allclose(singles, slow[:40], rtol=0, atol=1e-9)


def test_blend_scores_the_sites_own_rule_and_keeps_public_categories(blended: Scorer) -> None:
    public = Scorer(blended.pipeline, {"version": "public"}, "public")
    text = "The skipper is obviously guilty of the ferry fire, lock him up before the verdict."
    fine = "Thanks for covering the lighthouse restoration, good update."
    assert blended.score(text).probability > blended.score(fine).probability
    assert blended.score(text).probability > public.score(text).probability
    assert blended.score(text).categories == public.score(text).categories
    assert blended.score(text).model_version == "2026-11-27.2"


def test_blend_explanation_adds_up_to_the_blended_logit_with_offsets(blended: Scorer) -> None:
    fast = blended._fast
    assert isinstance(fast, FastBlend)
    texts = [
        "Everyone knows the skipper did it, guilty before the verdict!",
        "Lovely  photos\tof the winter market, thanks.",
        "Harbour Homes estate agents: you pathetic idiot",
    ]
    offsets = []
    for text in texts:
        analysis = fast.analyse(text)
        offsets.append(float(logit(analysis.probabilities[0])) - float(analysis.contributions.sum()))
        for item in blended.score(text).explanation:
            assert text[item.start : item.end] == item.term and item.weight != 0
    # Everything but the words' contributions is one constant (the blend's intercept through both calibrations).
    assert max(offsets) - min(offsets) == pytest.approx(0.0, abs=1e-9)
    top = blended.score(texts[0]).explanation[0]
    assert top.weight > 0 and top.term in {"guilty", "skipper", "verdict", "Everyone", "knows", "did", "before"}


def test_too_few_site_decisions_fall_back_to_the_public_model_and_say_so(toy_csv: Path, tmp_path: Path) -> None:
    few = records(site_comments(MIN_SITE_ROWS - 5, seed=1))
    folder = train_site_blend([toy_csv], few, records(site_comments(20, seed=2)), tmp_path, version="2026-11-27.3")
    found = card(folder)
    assert found["blend"]["method"] == "public_only" and "at least 30" in found["blend"]["reason"]
    assert not (folder / SITE_MODEL_FILE).exists() and "site_artifact" not in found
    assert found["metrics"]["site_holdout"]["rows"] == 20
    scorer = Scorer.load(folder)
    assert scorer.blend is None and 0 <= scorer.score("hello there").probability <= 1


def test_one_class_site_data_falls_back_too(toy_csv: Path, tmp_path: Path) -> None:
    all_fine = [(f"Nice update on the bridge, number {i}.", 0, None, "site") for i in range(50)]
    folder = train_site_blend([toy_csv], all_fine, [], tmp_path, version="2026-11-27.4")
    assert card(folder)["blend"]["method"] == "public_only"
    assert card(folder)["metrics"]["site_holdout"]["auc"] is None


def test_tampered_site_model_is_refused(blend_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / blend_dir.name
    shutil.copytree(blend_dir, copy)
    with (copy / SITE_MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactError, match="sha256"):
        Scorer.load(copy)


def test_blend_card_without_its_site_model_is_refused(blend_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / blend_dir.name
    shutil.copytree(blend_dir, copy)
    found = card(copy)
    del found["languages"]["en"]["site_artifact"]
    (copy / CARD_FILE).write_text(json.dumps(found), encoding="utf-8")
    with pytest.raises(ArtifactError, match="no site model"):
        Scorer.load(copy)


def test_the_smallest_accepted_site_data_still_blends(toy_csv: Path, tmp_path: Path) -> None:
    fine = [(t, h) for t, h in site_comments(80, seed=4) if not h][: MIN_SITE_ROWS - 5]
    held = [(t, h) for t, h in site_comments(80, seed=4) if h][:5]
    folder = train_site_blend([toy_csv], records(fine + held), [], tmp_path, version="2026-11-27.5")
    assert card(folder)["blend"]["method"] == "stacking"
    assert card(folder)["blend"]["site_model"] == {**card(folder)["blend"]["site_model"], "rows": 30, "positives": 5}
    assert 0 <= Scorer.load(folder).score("The skipper did it.").probability <= 1


def test_site_decisions_train_the_site_model_of_their_own_language(
    toy_csv: Path, toy_ar_csv: Path, site_rows: tuple[list[Record], list[Record]], tmp_path: Path
) -> None:
    training, holdout = site_rows
    arabic = [("تعليق عادي عن الجسر", 0, None, "site", "ar"), ("انت غبي", 1, "abuse", "site", "ar")]
    folder = train_site_blend(
        [toy_csv, toy_ar_csv], [*training, *arabic], holdout, tmp_path, version="2026-12-03.6", compare_appended=False
    )
    found = card(folder)
    english, arabic_section = found["languages"]["en"], found["languages"]["ar"]
    assert english["blend"]["method"] == "stacking" and english["training_data"]["site"]["training_rows"] == 160
    assert (
        arabic_section["blend"]["method"] == "public_only"
        and "2 site training decisions" in arabic_section["blend"]["reason"]
    )
    assert arabic_section["metrics"]["site_holdout"]["rows"] == 0
    scorer = Scorer.load(folder)
    assert scorer.models["en"].blend is not None and scorer.models["ar"].blend is None
    assert 0 <= scorer.score("انت غبي", language="ar").probability <= 1


def test_out_of_fold_splits_are_fewer_for_a_large_site_and_for_a_rare_class() -> None:
    assert oof_folds(np.array([0, 1] * 100)) == OOF_FOLDS == 5
    assert oof_folds(np.array([0, 1] * (LARGE_SITE_ROWS // 2))) == LARGE_SITE_FOLDS == 3
    assert oof_folds(np.array([1] * 4 + [0] * 100)) == 4  # each fold needs a row of each class
