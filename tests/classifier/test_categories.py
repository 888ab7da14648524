"""Category targets (threat, hate, insult, obscene): labels per source, masking of sources that do not label a
category, and the model card's per-category section. Toy comments written for these tests, never public data."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from service.classifier.artifact import CARD_FILE
from service.classifier.categories import UNLABELLED, category_label
from service.classifier.datasets import Row
from service.classifier.pipeline import BASE_TARGETS, Hyperparams, fit_pipeline, predict_targets, trainable_targets
from service.classifier.scorer import Scorer
from service.classifier.train import train_model

NAMES = ["Marlow", "Tibbet", "Quince", "Orsolya", "Pendry", "Wexley", "Danfor", "Ilsabet"]
THREATS = ["I will kill you", "we will burn your house down", "someone should shoot", "I am going to stab"]
HATE = ["all the zorbians are vermin", "the plimmish people are filthy animals", "drive every quellite out"]
INSULTS = ["you are a pathetic idiot", "what a brainless moron you are", "shut up you clown"]
NEUTRAL = ["thanks for the clear report on the bridge", "the council vote was close", "lovely photos of the park"]
SPAM = ["win a free prize click here now", "cheap watches at my shop visit today", "earn money fast from home"]


def texts(phrases: list[str], n: int) -> list[str]:
    """n distinct toy comments: each phrase with a name and a numbered tail."""
    combos = itertools.cycle(itertools.product(phrases, NAMES))
    return [f"{phrase} {name} number {i}" for i, (phrase, name) in zip(range(n), combos, strict=False)]


def rows(source: str, phrases: list[str], n: int, labels: tuple[str, ...], category: str | None = "abuse") -> list[Row]:
    return [Row(t, int(category is not None), category, source, labels=labels) for t in texts(phrases, n)]


def test_each_source_labels_only_the_categories_it_annotates() -> None:
    jigsaw = Row("x", 1, "abuse", "jigsaw", labels=("toxic", "threat"))
    assert [category_label(jigsaw, c) for c in ("threat", "hate", "insult", "obscene")] == [1, 0, 0, 0]
    gab = Row("x", 1, "abuse", "gab", labels=("cv",))
    assert [category_label(gab, c) for c in ("threat", "hate", "insult", "obscene")] == [1, 0, UNLABELLED, 0]
    # Davidson says hate or not, nothing about threats; a site's own decisions label no category.
    davidson = Row("x", 1, "abuse", "davidson", labels=("offensive",))
    assert (category_label(davidson, "hate"), category_label(davidson, "threat")) == (0, UNLABELLED)
    assert category_label(Row("x", 1, "abuse", "site"), "threat") == UNLABELLED
    # Ambiguous annotations are unlabelled rather than negative.
    assert category_label(Row("x", 1, "abuse", "cad", labels=("AffiliationDirectedAbuse",)), "hate") == UNLABELLED
    assert category_label(Row("x", 1, "abuse", "cad", labels=("IdentityDirectedAbuse",)), "hate") == 1
    osact = Row("x", 1, "abuse", "osact2022", labels=("offensive", "violence"))
    assert (category_label(osact, "threat"), category_label(osact, "insult")) == (1, UNLABELLED)
    assert category_label(Row("x", 1, "abuse", "osact2022", labels=("offensive",)), "insult") == 1
    assert category_label(Row("x", 1, "abuse", "l-hsab", labels=("hate",)), "hate") == 1


def _threat_training(masked: bool) -> list[Row]:
    """Jigsaw-like rows label threats; a Davidson-like source holds more threats it never annotated as such."""
    data = rows("jigsaw", THREATS, 40, ("toxic", "threat")) + rows("jigsaw", NEUTRAL, 60, (), None)
    data += rows("sms", SPAM, 30, (), "spam")
    unannotated = rows("davidson", THREATS, 80, ("offensive",))
    if not masked:  # the mistake masking prevents: the same rows read as "not a threat"
        unannotated = [Row(r.text, r.label, r.category, "jigsaw", labels=("toxic",)) for r in unannotated]
    return data + unannotated


def test_a_source_without_a_category_label_contributes_no_negatives() -> None:
    params = Hyperparams(min_df=1, calibration_folds=2)
    probe = ["I will kill you Zebedee", "someone should shoot Zebedee"]
    found = {}
    for masked in (True, False):
        training = _threat_training(masked)
        targets = trainable_targets(training)
        assert "threat" in targets and "hate" not in targets  # no source here labels hate with both classes
        pipeline = fit_pipeline(training, params, seed=0, targets=targets)
        found[masked] = predict_targets(pipeline, probe)[:, targets.index("threat")]
    # Masked: every labelled threat-like row is a threat, so the probes score high. Unmasked, the 80 unannotated
    # threats would count as negatives and pull the threat score down.
    assert np.all(found[True] > 0.7)
    assert np.all(found[False] < found[True] - 0.3)


def test_categories_without_enough_labels_are_not_trained() -> None:
    training = rows("jigsaw", THREATS, 10, ("toxic", "threat")) + rows("jigsaw", NEUTRAL, 60, (), None)
    training += rows("sms", SPAM, 20, (), "spam") + rows("site", INSULTS, 50, ())
    assert trainable_targets(training) == BASE_TARGETS  # 10 threats: below MIN_CATEGORY_POSITIVES


def _write(path: Path, header: list[str], data: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(data)
    return path


@pytest.fixture(scope="module")
def category_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Toy Jigsaw-format and Gab-format files (both label threat and hate) plus a generic file that labels none."""
    folder = tmp_path_factory.mktemp("category-data")
    jig_header = ["id", "comment_text", "toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    jig = [[f"t{i}", t, "1", "0", "0", "1", "0", "0"] for i, t in enumerate(texts(THREATS, 40))]
    jig += [[f"h{i}", t, "1", "0", "0", "0", "0", "1"] for i, t in enumerate(texts(HATE, 40))]
    jig += [[f"i{i}", t, "1", "0", "0", "0", "1", "0"] for i, t in enumerate(texts(INSULTS, 40))]
    jig += [[f"n{i}", t, "0", "0", "0", "0", "0", "0"] for i, t in enumerate(texts(NEUTRAL, 120))]
    gab = [[f"g{i}", t + " today", "0", "1", "0"] for i, t in enumerate(texts(THREATS, 30))]
    gab += [[f"d{i}", t + " today", "1", "0", "0"] for i, t in enumerate(texts(HATE, 30))]
    gab += [[f"o{i}", t + " today", "0", "0", "0"] for i, t in enumerate(texts(NEUTRAL, 80))]
    site = [[t + " again", "1", "abuse"] for t in texts(THREATS, 30)] + [[t, "1", "spam"] for t in texts(SPAM, 40)]
    site += [[t + " again", "0", ""] for t in texts(NEUTRAL, 40)]
    files = [
        _write(folder / "jigsaw.csv", jig_header, jig),
        _write(folder / "ghc.csv", ["text_id", "Text", "hd", "cv", "vo"], gab),
        _write(folder / "forum.csv", ["text", "label", "category"], site),
    ]
    params = Hyperparams(min_df=1, calibration_folds=2)
    return train_model(files, tmp_path_factory.mktemp("models"), seed=1, version="2026-12-03.7", params=params)


def test_card_has_per_category_auc_per_source_only_where_a_source_labels_it(category_model: Path) -> None:
    card = json.loads((category_model / CARD_FILE).read_text(encoding="utf-8"))
    assert card["targets"] == ["moderation", "abuse", "spam", "threat", "hate", "insult"]
    assert set(card["category_labels"]["not_trained"]) == {"obscene"}
    assert set(card["category_labels"]["sources"]) == {"jigsaw", "gab"}
    pooled = card["metrics"]["pooled_split"]["per_category"]
    threat = pooled["threat"]
    # The generic file's threats are unlabelled for the threat target: measured on Jigsaw and Gab rows only.
    assert set(threat["per_source"]) == {"jigsaw", "gab"}
    assert threat["labelled_rows"] == sum(s["rows"] for s in threat["per_source"].values())
    assert 0.0 <= threat["ece"] <= 1.0 and threat["auc"] is not None and threat["auc"] > 0.9
    assert [p["hold_at"] for p in threat["operating_points"]][0] == 0.1
    assert set(pooled["insult"]["per_source"]) == {"jigsaw"}
    assert set(pooled) == {"abuse", "spam", "threat", "hate", "insult"}
    # Leave one source out, per category: each labelling source scored by a model trained on the other one.
    loso = card["metrics"]["leave_one_source_out"]["per_category"]
    assert set(loso["threat"]) == {"jigsaw", "gab"} and all(v is not None for v in loso["threat"].values())
    assert loso["insult"] == {"jigsaw": None}  # no other source teaches insult


def test_scores_name_exactly_the_categories_the_card_lists(category_model: Path) -> None:
    scorer = Scorer.load(category_model)
    score = scorer.score("I will kill you Zebedee number 7")
    assert list(score.categories) == ["abuse", "spam", "threat", "hate", "insult"]
    assert score.categories["threat"] > score.categories["insult"]
    assert scorer.categories == frozenset(score.categories)
    # The fast path reproduces plain predict_proba for every category column.
    probe = ["I will kill you Zebedee", "lovely photos again", "all the zorbians are vermin Quince"]
    np.testing.assert_allclose(scorer.probabilities(probe), scorer.reference_probabilities(probe), atol=1e-9)


def test_a_category_explanation_names_the_words_behind_that_categorys_score(category_model: Path) -> None:
    scorer = Scorer.load(category_model)
    text = "thanks for the report, I will kill you Pendry"
    terms = scorer.explain_category(text, "threat")
    assert terms[0].weight > 0 and terms[0].term in {"kill", "will", "I", "you"}
    assert all(text[t.start : t.end] == t.term for t in terms)
    # Exact: the words' contributions plus the intercept are the threat model's decision value.
    model = scorer.model("en")
    fast = model.fast
    assert not hasattr(fast, "public")
    index = model.targets.index("threat")
    _, contributions = fast.target_contributions(text, index)
    linear = model.pipeline.named_steps["clf"].estimators_[index].calibrated_classifiers_[0].estimator
    decision = linear.decision_function(model.pipeline.named_steps["features"].transform([text]))[0]
    assert contributions.sum() + linear.intercept_[0] == pytest.approx(decision, abs=1e-9)
    assert scorer.explain_category(text, "obscene") == []  # not scored by this model
