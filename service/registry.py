"""The model registry: every classifier version with its state (candidate, shadow, active, retired); shadow,
promotion behind a quality gate, rollback — all audited. Workers follow the registry (see LiveModels.sync)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from service import audit
from service.classifier.artifact import ArtifactError, ModelNotFound, read_card
from service.classifier.metrics import auc
from service.classifier.scorer import Scorer
from service.errors import Conflict, InvalidFields, NotFound
from service.extensions import db
from service.learning import site_holdout
from service.records import AuditEvent, ModelRegistration
from service.settings import PROJECT_ROOT, resolve_path

logger = logging.getLogger(__name__)

CANDIDATE, SHADOW, ACTIVE, RETIRED = "candidate", "shadow", "active", "retired"
# A candidate may rank the site's held-out decisions at most this much worse (ROC AUC) than the active model.
PROMOTION_TOLERANCE = 0.01
# Fewer held-out site decisions than this (or only one class) cannot judge a model; the public held-out AUC
# recorded in both model cards is compared instead.
MIN_HOLDOUT = 20


class PromotionRefused(Conflict):
    code = "promotion_refused"


def _stored_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(resolved)


class NoModelAtPath(NotFound):
    code = "model_not_found"
    message = "No model at that path."


def register(path: Path, actor: str, state: str = CANDIDATE) -> ModelRegistration:
    """Record a model folder in the registry (idempotent per version)."""
    try:
        card = read_card(path)
    except ModelNotFound as exc:
        raise NoModelAtPath(fields={"path": [str(exc)]}) from exc
    except ArtifactError as exc:
        raise InvalidFields(fields={"path": [str(exc)]}) from exc
    version = str(card.get("version") or path.name)
    existing = db.session.get(ModelRegistration, version)
    if existing is not None:
        return existing
    registration = ModelRegistration(
        version=version,
        path=_stored_path(path),
        sha256=str(card.get("artifact", {}).get("sha256") or card.get("model_sha256") or card.get("sha256") or ""),
        state=state,
        metrics=card.get("metrics", {}),
        training_summary=card.get("training_data", {}),
    )
    db.session.add(registration)
    audit.record(
        actor, "model.registered", subject=f"model:{version}", data={"path": registration.path, "state": state}
    )
    db.session.commit()
    return registration


def registrations() -> list[ModelRegistration]:
    """Every known version, newest first."""
    return list(db.session.scalars(select(ModelRegistration).order_by(ModelRegistration.created_at.desc())))


def in_state(state: str) -> ModelRegistration | None:
    return db.session.scalars(select(ModelRegistration).where(ModelRegistration.state == state).limit(1)).first()


def _get(version: str) -> ModelRegistration:
    registration = db.session.get(ModelRegistration, version)
    if registration is None:
        raise NotFound(f"No registered model version {version}.")
    return registration


def ensure_active(configured_path: Path, actor: str = "system") -> ModelRegistration:
    """The active registration; before any promotion, the configured model is registered as active."""
    active = in_state(ACTIVE)
    if active is not None:
        return active
    registration = register(configured_path, actor, state=ACTIVE)
    if registration.state != ACTIVE:
        registration.state = ACTIVE
        db.session.commit()
    return registration


def set_shadow(version: str, actor: str) -> ModelRegistration:
    """Score every new comment with this version too (stored, never acted on); one shadow at a time."""
    registration = _get(version)
    if registration.state == ACTIVE:
        raise Conflict(f"{version} is the active model.")
    previous = in_state(SHADOW)
    if previous is not None and previous.version != version:
        previous.state = CANDIDATE
    registration.state = SHADOW
    audit.record(
        actor, "model.shadowed", subject=f"model:{version}", data={"replaced": previous.version if previous else None}
    )
    db.session.commit()
    return registration


@dataclass(frozen=True)
class LanguageGate:
    """One language's comparison on its held-out site decisions (active_auc None: the active version lacks it)."""

    candidate_auc: float | None
    active_auc: float | None
    holdout_rows: int

    def passed(self, tolerance: float) -> bool:
        if self.candidate_auc is None or self.active_auc is None:
            return self.candidate_auc is not None or self.active_auc is None
        return self.candidate_auc >= self.active_auc - tolerance


@dataclass(frozen=True)
class GateResult:
    """The promotion gate: per language on the site's held-out decisions (a version must not be worse in any
    language), or on the public held-out AUC when the site has too few decisions. The headline AUCs are the
    row-weighted mean over the languages compared."""

    basis: str
    candidate_auc: float | None
    active_auc: float | None
    holdout_rows: int
    tolerance: float = PROMOTION_TOLERANCE
    per_language: dict[str, LanguageGate] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        if self.per_language:
            return all(gate.passed(self.tolerance) for gate in self.per_language.values())
        return LanguageGate(self.candidate_auc, self.active_auc, self.holdout_rows).passed(self.tolerance)

    def as_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "candidate_auc": self.candidate_auc,
            "active_auc": self.active_auc,
            "holdout_rows": self.holdout_rows,
            "tolerance": self.tolerance,
            "passed": self.passed,
            "per_language": {
                language: {**asdict(gate), "passed": gate.passed(self.tolerance)}
                for language, gate in sorted(self.per_language.items())
            },
        }


def _public_auc(registration: ModelRegistration) -> float | None:
    metrics = registration.metrics or {}
    for key in ("pooled_split", "public_holdout"):
        value = metrics.get(key)
        if isinstance(value, dict) and isinstance(value.get("auc"), int | float):
            return float(value["auc"])
    return None


def gate(candidate: ModelRegistration, active: ModelRegistration) -> GateResult:
    """Compare both versions per language on the fixed held-out slice of this site's decisions (else on the public
    held-out AUC)."""
    scorers = {name: Scorer.load(resolve_path(r.path)) for name, r in (("candidate", candidate), ("active", active))}
    per_language: dict[str, LanguageGate] = {}
    for language, (texts, labels) in sorted(site_holdout().items()):
        y = np.array(labels, dtype=np.int64)
        if len(labels) < MIN_HOLDOUT or not 0 < y.sum() < len(y):
            continue
        aucs = {
            name: auc(y, scorer.probabilities(texts, language)[:, 0]) if language in scorer.languages else None
            for name, scorer in scorers.items()
        }
        per_language[language] = LanguageGate(aucs["candidate"], aucs["active"], len(labels))
    if not per_language:
        return GateResult("public_holdout", _public_auc(candidate), _public_auc(active), 0)
    rows = sum(g.holdout_rows for g in per_language.values())
    return GateResult(
        "site_holdout",
        _weighted_auc([(g.candidate_auc, g.holdout_rows) for g in per_language.values()]),
        _weighted_auc([(g.active_auc, g.holdout_rows) for g in per_language.values()]),
        rows,
        per_language=per_language,
    )


def _weighted_auc(pairs: list[tuple[float | None, int]]) -> float | None:
    known = [(value, rows) for value, rows in pairs if value is not None]
    total = sum(rows for _, rows in known)
    return sum(value * rows for value, rows in known) / total if total else None


def promote(
    version: str, actor: str, configured_path: Path, force: bool = False
) -> tuple[ModelRegistration, GateResult]:
    """Make a version active after the gate (or forced by an admin, audited); the old active one is retired."""
    registration = _get(version)
    active = ensure_active(configured_path, actor)
    if registration.version == active.version:
        raise Conflict(f"{version} is already active.")
    result = gate(registration, active)
    if not result.passed and not force:
        audit.record(actor, "model.promotion_refused", subject=f"model:{version}", data=result.as_dict())
        db.session.commit()
        raise PromotionRefused(
            f"{version} ranks the {result.basis.replace('_', ' ')} worse than {active.version} "
            f"({result.candidate_auc} vs {result.active_auc}, tolerance {result.tolerance}); use force to override.",
            fields={"gate": [str(result.as_dict())]},
        )
    return _switch(
        registration, active, actor, "model.promoted", {**result.as_dict(), "forced": force and not result.passed}
    ), result


def _switch(
    new: ModelRegistration, old: ModelRegistration, actor: str, action: str, data: dict[str, Any]
) -> ModelRegistration:
    old.state = RETIRED
    new.state = ACTIVE
    audit.record(
        actor, action, subject=f"model:{new.version}", data={**data, "version": new.version, "previous": old.version}
    )
    db.session.commit()
    logger.info("model switched action=%s version=%s previous=%s", action, new.version, old.version)
    return new


def rollback(actor: str, configured_path: Path) -> ModelRegistration:
    """Return to the version that was active before the current one."""
    active = ensure_active(configured_path, actor)
    last = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(["model.promoted", "model.rolled_back"]),
            AuditEvent.subject == f"model:{active.version}",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if last is None or not last.data.get("previous"):
        raise Conflict("There is no earlier active model to roll back to.")
    return _switch(_get(str(last.data["previous"])), active, actor, "model.rolled_back", {})


def desired_versions() -> tuple[ModelRegistration | None, ModelRegistration | None]:
    """What every worker should serve: (active, shadow) registrations."""
    rows = db.session.scalars(select(ModelRegistration).where(ModelRegistration.state.in_([ACTIVE, SHADOW])))
    by_state = {row.state: row for row in rows}
    return by_state.get(ACTIVE), by_state.get(SHADOW)
