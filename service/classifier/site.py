"""The site model beside the public one, and their blend: learn from this site's moderators without drowning them.

Per language: a version holds, for each language of the public data, that language's public model and (given
enough of that language's site decisions) its own site model and blend; the promotion gate can compare per language.

Measured on real news-site decisions (issue 7): appending the site's rows to the public data, even up-weighted,
ranked that site's later comments worse; a separate site-only model blended with the public model ranked them
clearly better. So a site-blend version holds three things:

- the public pipeline, trained exactly as ``train_model`` trains it (``fit_public_model``), on public data only;
- a site pipeline: the same ``build_pipeline`` fitted on the site's training decisions alone, moderation target
  only (the site's reason codes are too few to learn categories), with hyper-parameters for small data
  (``SITE_PARAMS``: min_df 1 under 500 rows, C 1.0, smaller vocabularies, no source balancing);
- stacking: a logistic regression on [logit p_public, logit p_site] fitted on OUT-OF-FOLD site predictions over the
  training decisions (the public model never saw site rows), so the blended score is calibrated as "P(this site's
  moderators would hold it)". The weights live in the card's ``blend`` section with the alternatives compared.

The fixed held-out slice of site decisions only measures: it never trains or chooses anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from service.classifier.artifact import next_version, save_version
from service.classifier.balance import balance_sources
from service.classifier.blend import CATEGORY_NAMES, PUBLIC_ONLY, STACKING, BlendWeights, as_logit, blend_probability
from service.classifier.datasets import Row, from_records
from service.classifier.metrics import auc, ece, reliability_table, rounded
from service.classifier.normalise import normalise_texts
from service.classifier.pipeline import (
    TARGETS,
    Hyperparams,
    build_features,
    build_pipeline,
    fit_pipeline,
    normalised,
    predict_targets,
)
from service.classifier.train import PublicFit, common_card, fit_public_models

logger = logging.getLogger(__name__)

SiteRecord = tuple[str, int, str | None, str] | tuple[str, int, str | None, str, str]

# Below these, a site model and its out-of-fold blend cannot be fitted reliably: the version is the public model
# alone, measured on the site's held-out slice, and the card says why.
MIN_SITE_ROWS = 30
MIN_SITE_PER_CLASS = 5
OOF_FOLDS = 5
# From this many site training rows the stacking is fitted on 3 folds: each fold's model still sees two thirds of
# the rows, tens of thousands, and the out-of-fold fits cost half of five folds' (bench/NOTES.md, training at 800 k
# decisions).
LARGE_SITE_ROWS = 20_000
LARGE_SITE_FOLDS = 3
STACKING_C = 1.0

SITE_PARAMS = Hyperparams(
    word_max_features=20_000,
    char_max_features=50_000,
    C=1.0,
    calibration="sigmoid",
    calibration_folds=3,
    max_positive_rate=0.0,
    source_weighting=False,
)
SITE_PARAMS_NOTE = (
    "same build_pipeline as the public model, moderation target only; C=1.0 (stronger regularisation for a few "
    "thousand rows), smaller vocabularies, min_df=1 under 500 rows, no balancing (one source, its own base rate); "
    "sigmoid calibration, so the blend's per-word explanation is exact"
)


def site_params(n_rows: int) -> Hyperparams:
    """SITE_PARAMS, with min_df 1 when the site has few decisions (a word seen once is still evidence)."""
    return replace(SITE_PARAMS, min_df=1 if n_rows < 500 else 2)


@dataclass(frozen=True)
class SiteMethod:
    """How a language's site decisions are learned from and stacked with the public model (recorded in the card).

    ``inputs``: the stacking features, "moderation" (public and site moderation logits) or "categories" (also the
    public abuse and spam logits). ``vocabulary``: the site model's TF-IDF vocabulary and IDF fitted on the site's
    "decisions" only, or on every comment the site has received ("site_comments": unsupervised, decided or not).
    ``class_weight``: the site model's weighting of the rare held class. ``stacking_C``: the stacking's L2 strength.
    """

    inputs: str = "moderation"
    vocabulary: str = "decisions"
    class_weight: str | None = None
    stacking_C: float = STACKING_C

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view for the model card."""
        return asdict(self)


# The method before issue 18, kept for comparison (bench/site_learning.py prints it beside the shipped one).
PREVIOUS_METHOD = SiteMethod()
# Chosen by bench/site_learning.py (models/README.md): the category logits won; a vocabulary fitted on every site
# comment and a balanced class weight changed AUC by less than 0.001 at 4,000 English decisions, so they stay options.
SHIPPED_METHOD = SiteMethod(inputs="categories")


def _fit_vocabulary(texts: Sequence[str], params: Hyperparams) -> FeatureUnion:
    return build_features(params).fit(list(texts))


def fit_site_pipeline(
    rows: Sequence[Row],
    params: Hyperparams,
    seed: int,
    method: SiteMethod = PREVIOUS_METHOD,
    features: FeatureUnion | None = None,
) -> Pipeline:
    """The site model: build_pipeline fitted on the moderation label only (one output column); with ``features``
    (already fitted, e.g. on every site comment) only the linear model and its calibration learn from the rows."""
    params = replace(params, class_weight=method.class_weight)
    y = np.array([[r.label] for r in rows], dtype=np.int64)
    texts = [r.text for r in rows]
    if features is None:
        pipeline = build_pipeline(params, seed)
        pipeline.fit(texts, y)
        return pipeline
    clf = build_pipeline(params, seed).named_steps["clf"]
    clf.fit(features.transform(texts), y)
    return Pipeline([("features", features), ("clf", clf)])


def _too_small(rows: Sequence[Row]) -> str | None:
    positives = sum(r.label for r in rows)
    smallest = min(positives, len(rows) - positives)
    if len(rows) < MIN_SITE_ROWS or smallest < MIN_SITE_PER_CLASS:
        return (
            f"{len(rows)} site training decisions ({positives} held); a site model needs at least {MIN_SITE_ROWS} "
            f"with {MIN_SITE_PER_CLASS} of each outcome, so this version is the public model alone"
        )
    return None


def oof_folds(y: np.ndarray) -> int:
    """Out-of-fold split count: OOF_FOLDS (LARGE_SITE_FOLDS from LARGE_SITE_ROWS rows), fewer when a class has
    fewer rows."""
    folds = LARGE_SITE_FOLDS if y.size >= LARGE_SITE_ROWS else OOF_FOLDS
    return min(folds, int(y.sum()), int(y.size - y.sum()))


def out_of_fold_site(
    rows: Sequence[Row],
    params: Hyperparams,
    seed: int,
    method: SiteMethod = PREVIOUS_METHOD,
    features: FeatureUnion | None = None,
) -> np.ndarray:
    """P(hold) of each site training row from a site model that did not see its label (stratified folds)."""
    y = np.array([r.label for r in rows], dtype=np.int64)
    folds = oof_folds(y)
    p = np.zeros(len(rows), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = fit_site_pipeline([rows[i] for i in train_idx], params, seed, method, features)
        p[test_idx] = predict_targets(model, [rows[i].text for i in test_idx])[:, 0]
    return p


def stacking_features(method: SiteMethod, p_public: np.ndarray, p_site: np.ndarray) -> np.ndarray:
    """The stacking's inputs: logits of the public model's outputs the method uses, then the site logit."""
    # "categories" reads the public abuse and spam columns (CATEGORY_NAMES), not the later category targets.
    public = p_public[:, :1] if method.inputs == "moderation" else p_public[:, : 1 + len(CATEGORY_NAMES)]
    return np.column_stack([as_logit(public), as_logit(p_site)])


def fit_stacking(
    y: np.ndarray, p_public: np.ndarray, p_site: np.ndarray, seed: int, method: SiteMethod = PREVIOUS_METHOD
) -> BlendWeights:
    """Logistic regression of the site's decisions on the models' (out-of-sample) logits; ``p_public`` is the
    public model's (n, targets) probabilities (a 1-d array: its moderation column alone)."""
    p_public = p_public.reshape(len(y), -1)
    x = stacking_features(method, p_public, p_site)
    model = LogisticRegression(C=method.stacking_C, solver="lbfgs", max_iter=1000, random_state=seed).fit(x, y)
    coef = [float(c) for c in model.coef_[0]]
    categories = tuple(coef[1:-1]) if method.inputs == "categories" else ()
    return BlendWeights(float(model.intercept_[0]), coef[0], coef[-1], categories)


def site_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """AUC, ECE and reliability of P(hold) on site decisions."""
    return {
        "rows": int(y.size),
        "positive_rate": rounded(float(y.mean())) if y.size else None,
        "auc": rounded(auc(y, p)),
        "ece": rounded(ece(y, p)) if y.size else None,
        "reliability": reliability_table(y, p),
    }


def blend_language(
    public: PublicFit,
    site_train: list[Row],
    site_test: list[Row],
    seed: int,
    compare_appended: bool,
    method: SiteMethod = SHIPPED_METHOD,
    site_texts: Sequence[str] = (),
) -> tuple[Pipeline | None, dict[str, Any]]:
    """One language's site model and stacking blend (or public-only with the reason); returns (site pipeline,
    the card entries ``blend``, ``training_data.site`` and ``metrics.site_holdout`` for that language).

    ``site_texts``: every comment of this language the site has received (decided or not, normalised), for a
    method whose vocabulary comes from them; the decisions' own texts are always part of it."""
    params = public.params
    y_test = np.array([r.label for r in site_test], dtype=np.int64)
    test_texts = [r.text for r in site_test]
    p_public_test = predict_targets(public.pipeline, test_texts) if site_test else np.zeros((0, len(TARGETS)))

    alternatives: dict[str, Any] = {"public_alone": {"holdout_auc": rounded(auc(y_test, p_public_test[:, 0]))}}
    site_pipeline: Pipeline | None = None
    reason = _too_small(site_train)
    if reason is None:
        s_params = site_params(len(site_train))
        features = None
        pool: list[str] = []
        if method.vocabulary == "site_comments":
            pool = list(dict.fromkeys([*site_texts, *(r.text for r in site_train)]))
            features = _fit_vocabulary(pool, replace(s_params, min_df=site_params(len(pool)).min_df))
        y_train = np.array([r.label for r in site_train], dtype=np.int64)
        p_public_train = predict_targets(public.pipeline, [r.text for r in site_train])
        p_site_oof = out_of_fold_site(site_train, s_params, seed, method, features)
        weights = fit_stacking(y_train, p_public_train, p_site_oof, seed, method)
        p_blend_oof = blend_probability(weights, p_public_train, p_site_oof)
        site_pipeline = fit_site_pipeline(site_train, s_params, seed, method, features)
        p_site_test = predict_targets(site_pipeline, test_texts)[:, 0] if site_test else np.zeros(0)
        p_final = blend_probability(weights, p_public_test, p_site_test)
        alternatives["public_alone"]["training_oof_auc"] = rounded(auc(y_train, p_public_train[:, 0]))
        alternatives["site_alone"] = {
            "holdout_auc": rounded(auc(y_test, p_site_test)),
            "training_oof_auc": rounded(auc(y_train, p_site_oof)),
        }
        alternatives["blend"] = {
            "holdout_auc": rounded(auc(y_test, p_final)),
            "holdout_ece": rounded(ece(y_test, p_final)) if site_test else None,
            "training_oof_auc": rounded(auc(y_train, p_blend_oof)),
        }
        gain = auc(y_test, p_final)
        before = auc(y_test, p_public_test[:, 0])
        if compare_appended:
            appended_rows = balance_sources(
                public.rows + site_train, params.max_positive_rate, params.max_rows_per_source, seed
            )
            appended = fit_pipeline(appended_rows, params, seed)
            p_appended = predict_targets(appended, test_texts)[:, 0] if site_test else np.zeros(0)
            alternatives["appended"] = {
                "holdout_auc": rounded(auc(y_test, p_appended)),
                "note": "one public pipeline on public + site training rows ('site' weighted as one source)",
            }
        blend: dict[str, Any] = {
            "method": STACKING,
            "formula": (
                "P(hold) = sigmoid(intercept + public * logit(p_public) + site * logit(p_site)"
                + (" + abuse * logit(p_abuse) + spam * logit(p_spam))" if weights.categories else ")")
            ),
            "weights": weights.as_dict(),
            "site_method": method.as_dict(),
            "holdout_gain_auc": rounded(gain - before) if gain is not None and before is not None else None,
            "fitted_on": (
                f"out-of-fold ({oof_folds(y_train)}-fold) site "
                f"predictions and public-model predictions on {len(site_train)} site training decisions"
            ),
            "categories": "the public model's calibrated abuse/spam probabilities (site reason codes are too few)",
            "explanation": "per word: blend weight x calibration slope x its share of each model's decision value",
            "site_model": {
                "rows": len(site_train),
                "positives": int(y_train.sum()),
                "vocabulary_texts": len(pool) if features is not None else len(site_train),
                "hyperparameters": replace(s_params, class_weight=method.class_weight).as_dict(),
                "note": SITE_PARAMS_NOTE
                + (
                    f"; fed the {params.normalisation} normalisation of the text"
                    if params.normalisation != "none"
                    else ""
                ),
            },
        }
    else:
        logger.warning("site blend skipped: %s", reason)
        p_final = p_public_test[:, 0]
        blend = {"method": PUBLIC_ONLY, "reason": reason}
    blend["alternatives"] = alternatives
    blend["alternatives_note"] = (
        "holdout_auc: ROC AUC on the fixed held-out slice of site decisions (never used for fitting or choosing); "
        "training_oof_auc: on the site training decisions, out of fold (what the stacking was fitted on)"
    )
    site_data = {
        "training_rows": len(site_train),
        "training_positives": sum(r.label for r in site_train),
        "holdout_rows": len(site_test),
        "holdout_positives": int(y_test.sum()),
        "holdout_rule": "the fixed held-out slice (comment id % 5 == 0) only measures",
    }
    logger.info(
        "site blend language=%s method=%s holdout=%s", public.card.get("language"), blend["method"], alternatives
    )
    return site_pipeline, {"blend": blend, "site": site_data, "site_holdout": site_metrics(y_test, p_final)}


def _normalised_rows(rows: Sequence[Row], params: Hyperparams) -> list[Row]:
    """Rows with their text as the language's pipelines see it (normalisation is idempotent)."""
    return [replace(r, text=t) for r, t in zip(rows, normalised(rows, params), strict=True)]


def train_site_blend(
    public_data: Sequence[Path | str],
    training_rows: Sequence[SiteRecord],
    holdout_rows: Sequence[SiteRecord],
    out_dir: Path | str,
    seed: int = 0,
    version: str | None = None,
    params: dict[str, Hyperparams] | Hyperparams | None = None,
    loso: bool = False,
    compare_appended: bool = True,
    method: SiteMethod = SHIPPED_METHOD,
    site_texts: Sequence[tuple[str, str]] = (),
    card_extra: dict[str, Any] | None = None,
    public_models: dict[str, PublicFit] | None = None,
) -> Path:
    """Per language of the public data: train the public model, a site model on that language's site decisions and
    their stacking blend (public only when too few); measure on the site's held-out slice; save one version.

    ``training_rows``/``holdout_rows`` are ``(text, label, category, source[, language])`` site decisions (language
    "en" when absent); the held-out ones only measure. ``compare_appended`` also fits public + site rows in one
    model, for the card's comparison only. ``site_texts`` are ``(text, language)`` of every comment the site has
    received (decided or not), for a ``method`` that fits its vocabulary on them; ``card_extra`` goes into the card.
    ``public_models`` are already fitted public models (train.reusable_public_models): not fitted again.
    """
    out = Path(out_dir)
    site_train = from_records(training_rows)
    site_test = from_records(holdout_rows)
    reused = dict(public_models or {})
    fitted = fit_public_models([Path(p) for p in public_data], params, seed, loso=loso, skip=set(reused))
    publics = {**reused, **fitted}
    # Reused public models come without their training rows: nothing to append the site's rows to.
    compare_appended = compare_appended and not reused
    logger.info("public models: reused=%s fitted=%s cpu=%.1fs", sorted(reused), sorted(fitted), time.process_time())
    version = version or next_version(out)
    sections: dict[str, dict[str, Any]] = {}
    models: dict[str, tuple[Pipeline, Pipeline | None]] = {}
    for language, public in publics.items():
        pool = [t for t, lang in site_texts if lang == language]
        texts = {language: normalise_texts(pool, public.params.text_normalisation())}
        train_rows = _normalised_rows([r for r in site_train if r.language == language], public.params)
        test_rows = _normalised_rows([r for r in site_test if r.language == language], public.params)
        site_pipeline, found = blend_language(
            public, train_rows, test_rows, seed, compare_appended, method, texts.get(language, ())
        )
        section = {**public.card, "blend": found["blend"]}
        section["training_data"] = {**section["training_data"], "site": found["site"]}
        section["metrics"] = {**section["metrics"], "site_holdout": found["site_holdout"]}
        sections[language] = section
        logger.info(
            "site blend fitted: language=%s training=%d cpu=%.1fs", language, len(train_rows), time.process_time()
        )
        models[language] = (public.pipeline, site_pipeline)
    unused = sorted({r.language for r in [*site_train, *site_test]} - set(publics))
    card = {"version": version, **common_card(seed), **(card_extra or {})}
    if unused:
        card["site_decisions_unused"] = f"no public model for language(s) {', '.join(unused)}"
    folder = out / version
    save_version(folder, card, sections, models)
    logger.info("saved %s", folder)
    return folder
