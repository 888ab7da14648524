"""Safe saving and loading of versioned model folders: skops with a type allow-list, hash and version checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops.io as sio
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

MODEL_FILE = "model.skops"
SITE_MODEL_FILE = "site.skops"  # the site model of a site blend (see site.py)
CARD_FILE = "model-card.json"
VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.\d+$")

# Every type a model file may contain. Anything else (a function, an unknown class) is refused before loading.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "numpy.bool",
    "numpy.str_",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.multioutput.MultiOutputClassifier",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
)


class ArtifactError(RuntimeError):
    """A model folder that is missing, corrupt, untrusted or built with another scikit-learn version."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vectorizers(pipeline: Pipeline) -> dict[str, TfidfVectorizer]:
    union = pipeline.named_steps["features"]
    return {name: vec for name, vec in union.transformer_list if isinstance(vec, TfidfVectorizer)}


def _vocab_array(vocabulary: dict[str, int]) -> np.ndarray:
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return np.array(terms, dtype=str)


def next_version(out_dir: Path, today: dt.date | None = None) -> str:
    """The next free ``YYYY-MM-DD.N`` version under out_dir for today's date."""
    day = (today or dt.date.today()).isoformat()
    taken = [int(p.name.split(".")[1]) for p in out_dir.glob(f"{day}.*") if VERSION_RE.match(p.name)]
    return f"{day}.{max(taken, default=0) + 1}"


def _dump_pipeline(pipeline: Pipeline, path: Path) -> None:
    """skops-dump a fitted pipeline, vocabularies as numpy string arrays (the same content, loaded in milliseconds)."""
    vectorizers = _vectorizers(pipeline)
    vocabularies = {name: vec.vocabulary_ for name, vec in vectorizers.items()}
    try:
        for vec in vectorizers.values():
            del vec.vocabulary_
        payload = {"pipeline": pipeline, "vocabularies": {n: _vocab_array(v) for n, v in vocabularies.items()}}
        sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED)
    finally:
        for name, vec in vectorizers.items():
            vec.vocabulary_ = vocabularies[name]


def save_artifact(
    pipeline: Pipeline, card: dict[str, Any], folder: Path, site_pipeline: Pipeline | None = None
) -> dict[str, Any]:
    """Write model.skops (+ site.skops for a site blend) and model-card.json into a new folder (never overwrites);
    returns the card as written."""
    if folder.exists():
        raise ArtifactError(f"model folder {folder} already exists; model versions are immutable")
    folder.mkdir(parents=True)
    _dump_pipeline(pipeline, folder / MODEL_FILE)
    card = {**card, "artifact": {"file": MODEL_FILE, "sha256": sha256_file(folder / MODEL_FILE)}}
    if site_pipeline is not None:
        _dump_pipeline(site_pipeline, folder / SITE_MODEL_FILE)
        card["site_artifact"] = {"file": SITE_MODEL_FILE, "sha256": sha256_file(folder / SITE_MODEL_FILE)}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return card


def read_card(folder: Path) -> dict[str, Any]:
    """The model card of a model folder."""
    path = folder / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"no model card at {path}") from exc
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"unreadable model card {path}: {exc}") from exc
    if not isinstance(card, dict):
        raise ArtifactError(f"model card {path} is not a JSON object")
    return card


def check_card(card: dict[str, Any], folder: Path) -> None:
    """Refuse a card from another scikit-learn version or without the fields loading needs."""
    recorded = card.get("libraries", {}).get("sklearn")
    if recorded != sklearn.__version__:
        raise ArtifactError(
            f"model {folder} was trained with scikit-learn {recorded} but this process runs scikit-learn "
            f"{sklearn.__version__}; retrain it with this version or install scikit-learn=={recorded}"
        )
    if not card.get("artifact", {}).get("sha256"):
        raise ArtifactError(f"model card in {folder} has no artifact.sha256")


def load_artifact(folder: Path | str) -> tuple[Pipeline, dict[str, Any]]:
    """Load and verify a model folder (card, scikit-learn version, hash, trusted types); returns (pipeline, card)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"model folder {folder} does not exist")
    card = read_card(folder)
    check_card(card, folder)
    return _load_pipeline(folder / MODEL_FILE, str(card["artifact"]["sha256"])), card


def load_site_pipeline(folder: Path | str, card: dict[str, Any]) -> Pipeline | None:
    """The site model of a site-blend folder (same hash and allow-list checks), or None for a public-only one."""
    entry = card.get("site_artifact")
    if entry is None:
        return None
    if not isinstance(entry, dict) or entry.get("file") != SITE_MODEL_FILE or not entry.get("sha256"):
        raise ArtifactError(f"model card in {folder} has a malformed site_artifact entry")
    return _load_pipeline(Path(folder) / SITE_MODEL_FILE, str(entry["sha256"]))


def _load_pipeline(model_path: Path, sha256: str) -> Pipeline:
    """Verify a skops file against its recorded hash and the type allow-list, then load it."""
    if not model_path.is_file():
        raise ArtifactError(f"no {model_path.name} in {model_path.parent}")
    actual = sha256_file(model_path)
    if actual != sha256:
        raise ArtifactError(f"{model_path} sha256 {actual} does not match the model card ({sha256})")
    try:
        # skops trusts some types by default (sklearn estimators, numpy functions): check every node ourselves.
        present = file_types(model_path) | set(sio.get_untrusted_types(file=model_path))
    except Exception as exc:
        raise ArtifactError(f"{model_path} is not a readable skops file: {exc}") from exc
    refused = sorted(present - set(TRUSTED_TYPES))
    if refused:
        raise ArtifactError(f"{model_path} contains types outside the allow-list: {', '.join(refused)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            payload = sio.load(model_path, trusted=list(TRUSTED_TYPES))
    except InconsistentVersionWarning as exc:
        raise ArtifactError(f"{model_path} was pickled with another scikit-learn version: {exc}") from exc
    except Exception as exc:
        raise ArtifactError(f"{model_path} could not be loaded: {exc}") from exc
    return _attach_vocabularies(payload, model_path)


def file_types(model_path: Path) -> set[str]:
    """Every ``module.Class`` named anywhere in a skops file's schema."""
    with zipfile.ZipFile(model_path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _attach_vocabularies(payload: Any, model_path: Path) -> Pipeline:
    if not isinstance(payload, dict) or not isinstance(payload.get("pipeline"), Pipeline):
        raise ArtifactError(f"{model_path} does not hold a moderato pipeline")
    pipeline: Pipeline = payload["pipeline"]
    vocabularies = payload.get("vocabularies", {})
    for name, vec in _vectorizers(pipeline).items():
        terms = vocabularies.get(name)
        if not isinstance(terms, np.ndarray):
            raise ArtifactError(f"{model_path} lacks the vocabulary of the {name!r} features")
        vec.vocabulary_ = {term: i for i, term in enumerate(terms.tolist())}
    return pipeline
