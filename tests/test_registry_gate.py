"""The promotion gate compares versions language by language: better on average is not enough."""

from __future__ import annotations

from service.registry import GateResult, LanguageGate


def test_a_candidate_worse_in_one_language_is_refused_even_if_better_on_average() -> None:
    result = GateResult(
        "site_holdout",
        candidate_auc=0.85,
        active_auc=0.80,
        holdout_rows=300,
        tolerance=0.01,
        per_language={"en": LanguageGate(0.90, 0.80, 200), "ar": LanguageGate(0.75, 0.80, 100)},
    )
    assert not result.passed
    assert result.as_dict()["per_language"]["ar"] == {
        "candidate_auc": 0.75,
        "active_auc": 0.80,
        "holdout_rows": 100,
        "passed": False,
    }


def test_a_language_the_active_version_lacks_passes_and_one_the_candidate_drops_fails() -> None:
    added = GateResult("site_holdout", 0.9, 0.8, 300, per_language={"ar": LanguageGate(0.7, None, 100)})
    dropped = GateResult("site_holdout", 0.9, 0.8, 300, per_language={"ar": LanguageGate(None, 0.7, 100)})
    assert added.passed and not dropped.passed


def test_without_site_decisions_the_public_figures_decide() -> None:
    assert GateResult("public_holdout", 0.91, 0.90, 0).passed
    assert not GateResult("public_holdout", 0.80, 0.90, 0).passed
