"""Safe saving and loading of versioned model folders: skops with a type allow-list, hash and version checks.

A version folder holds one pipeline per language (``languages`` section of the card, each entry with its own
artifact sha256); English keeps the historical file names ``model.skops``/``site.skops``, another language uses
``model-<lang>.skops``/``site-<lang>.skops``. The card's top level repeats the primary language's entries (English
when present) so readers of single-language cards keep working. A folder whose card has no ``languages`` section is a
single-language (English) version, as written before languages existed.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import re
import warnings
import weakref
import zipfile
from collections.abc import Sequence
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
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
PRIMARY_LANGUAGE = "en"

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


class ModelNotFound(ArtifactError):
    """Nothing at that path: no folder, or a folder without a model card."""


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


def model_file(language: str, site: bool = False) -> str:
    """The file name of a language's (site) pipeline inside a version folder."""
    base = SITE_MODEL_FILE if site else MODEL_FILE
    return base if language == PRIMARY_LANGUAGE else base.replace(".skops", f"-{language}.skops")


def primary_language(languages: Sequence[str]) -> str:
    """English when the version has it, else the first language in name order."""
    return PRIMARY_LANGUAGE if PRIMARY_LANGUAGE in languages else sorted(languages)[0]


def save_version(
    folder: Path,
    card: dict[str, Any],
    sections: dict[str, dict[str, Any]],
    models: dict[str, tuple[Pipeline, Pipeline | None]],
) -> dict[str, Any]:
    """Write one pipeline (+ an optional site pipeline) per language and the card into a new folder (never
    overwrites); ``sections`` are the per-language card entries. Returns the card as written."""
    if not models or set(models) != set(sections) or not all(LANGUAGE_RE.match(lang) for lang in models):
        raise ArtifactError(
            f"a model version needs matching pipelines and card sections per language: {sorted(models)}"
        )
    if folder.exists():
        raise ArtifactError(f"model folder {folder} already exists; model versions are immutable")
    folder.mkdir(parents=True)
    written: dict[str, dict[str, Any]] = {}
    for language in sorted(models):
        pipeline, site_pipeline = models[language]
        section = {"language": language, **sections[language]}
        name = model_file(language)
        _dump_pipeline(pipeline, folder / name)
        section["artifact"] = {"file": name, "sha256": sha256_file(folder / name)}
        if site_pipeline is not None:
            name = model_file(language, site=True)
            _dump_pipeline(site_pipeline, folder / name)
            section["site_artifact"] = {"file": name, "sha256": sha256_file(folder / name)}
        written[language] = section
    primary = primary_language(list(written))
    mirror = {k: v for k, v in written[primary].items() if k != "language"}
    card = {**card, **mirror, "primary_language": primary, "languages": written}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return card


def language_sections(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per language, the card entries of its pipeline (a card without ``languages`` is English only)."""
    sections = card.get("languages")
    if sections is None:
        return {PRIMARY_LANGUAGE: card}
    if not isinstance(sections, dict) or not sections or not all(isinstance(v, dict) for v in sections.values()):
        raise ArtifactError("model card has a malformed languages section")
    return sections


def load_version(folder: Path | str) -> tuple[dict[str, tuple[Pipeline, Pipeline | None]], dict[str, Any]]:
    """Load and verify every language's pipeline(s) of a version folder; returns ({language: (public, site)}, card)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"model folder {folder} does not exist")
    card = read_card(folder)
    check_card(card, folder)
    models: dict[str, tuple[Pipeline, Pipeline | None]] = {}
    for language, section in language_sections(card).items():
        entry = section.get("artifact", {})
        expected = model_file(language) if "languages" in card else MODEL_FILE
        if not isinstance(entry, dict) or entry.get("file", MODEL_FILE) != expected or not entry.get("sha256"):
            raise ArtifactError(f"model card in {folder} has a malformed artifact entry for language {language!r}")
        pipeline = _load_pipeline(folder / expected, str(entry["sha256"]))
        models[language] = (pipeline, _load_site(folder, section, language if "languages" in card else None))
    return models, card


def _load_site(folder: Path, section: dict[str, Any], language: str | None) -> Pipeline | None:
    entry = section.get("site_artifact")
    if entry is None:
        return None
    expected = SITE_MODEL_FILE if language is None else model_file(language, site=True)
    if not isinstance(entry, dict) or entry.get("file") != expected or not entry.get("sha256"):
        raise ArtifactError(f"model card in {folder} has a malformed site_artifact entry")
    return _load_pipeline(folder / expected, str(entry["sha256"]))


def read_card(folder: Path) -> dict[str, Any]:
    """The model card of a model folder."""
    path = folder / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise ModelNotFound(f"no model card at {path}") from exc
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ModelNotFound(f"no model card at {path}") from exc
        raise ArtifactError(f"unreadable model card {path}: {exc}") from exc
    except ValueError as exc:
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
    for language, section in language_sections(card).items():
        if not LANGUAGE_RE.match(language):
            raise ArtifactError(f"model card in {folder} names an invalid language {language!r}")
        if not section.get("artifact", {}).get("sha256"):
            raise ArtifactError(f"model card in {folder} has no artifact.sha256 for language {language!r}")


def load_artifact(folder: Path | str) -> tuple[Pipeline, dict[str, Any]]:
    """Load and verify a model folder; returns (the primary language's pipeline, card)."""
    models, card = load_version(folder)
    return models[primary_language(list(models))][0], card


def load_site_pipeline(folder: Path | str, card: dict[str, Any]) -> Pipeline | None:
    """The primary language's site model of a site-blend folder (hash and allow-list checked), or None."""
    if "languages" not in card:
        return _load_site(Path(folder), card, None)
    language = primary_language(list(language_sections(card)))
    return _load_site(Path(folder), language_sections(card)[language], language)


# Pipelines loaded from files of these bytes (by sha256) that something still uses. Loading the same bytes again in
# the same process (the test suite builds an app per test; a shadow slot given the active version) reuses the object
# that passed the allow-list instead of auditing and deserialising it again. The file's hash is still checked against
# the card on every load; weak, so a retired version is freed as before.
_LOADED: weakref.WeakValueDictionary[str, Pipeline] = weakref.WeakValueDictionary()


def _load_pipeline(model_path: Path, sha256: str) -> Pipeline:
    """Verify a skops file against its recorded hash and the type allow-list, then load it."""
    if not model_path.is_file():
        raise ArtifactError(f"no {model_path.name} in {model_path.parent}")
    actual = sha256_file(model_path)
    if actual != sha256:
        raise ArtifactError(f"{model_path} sha256 {actual} does not match the model card ({sha256})")
    loaded = _LOADED.get(actual)
    if loaded is not None:
        return loaded
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
    pipeline = _LOADED[actual] = _attach_vocabularies(payload, model_path)
    return pipeline


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
