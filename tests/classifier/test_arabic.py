"""Arabic: normalisation rules, the Arabic dataset adapters, bilingual versions, fast path and RTL explanations."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from service.classifier.artifact import CARD_FILE, MODEL_FILE, ArtifactError, load_version, save_version, sha256_file
from service.classifier.datasets import SOURCE_LICENCES, Row, dedupe_rows, from_records, load_rows
from service.classifier.normalise import ARABIC, Normalisation, normalise_text, word_normaliser
from service.classifier.scorer import Scorer, ScoringError, UnsupportedLanguage
from service.classifier.train import language_params, parse_params, train_model

AR = Normalisation(ARABIC)


def norm(text: str, normalisation: Normalisation = AR) -> str:
    return normalise_text(text, normalisation)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("كَلْبٌ", "كلب"),  # tashkeel
        ("مُحَمَّدٌ", "محمد"),  # shadda and tanween
        ("هٰذا", "هذا"),  # superscript alef
        ("كـــلب", "كلب"),  # tatweel
        ("أحمد إسلام آمن ٱلله", "احمد اسلام امن الله"),  # alef forms
        ("على مستشفى", "علي مستشفي"),  # alef maqsura
        ("مدرسة جميلة", "مدرسه جميله"),  # taa marbuta
        ("کلب", "كلب"),  # Persian keheh
        ("کوردی", "كوردي"),  # keheh and Farsi yeh
        ("بەڵام", "بهڵام"),  # Kurdish ae
        ("٢٠٢٦ ۱۴۰۵", "2026 1405"),  # Arabic-Indic and Persian digits
        ("غبييييي", "غبيي"),  # long repeats shortened to two
        ("ههههههه", "هه"),
        ("الله", "الله"),  # a real double letter stays
        ("1000", "1000"),  # digits are never shortened
        ("ك\u200cلب", "كلب"),  # ZWNJ
        ("\u200fكلب\u200e", "كلب"),  # RLM / LRM
        ("\u202bكلب\u202c", "كلب"),  # bidi embedding
        ("ك\u200bل\u200dب", "كلب"),  # zero-width space and joiner
        ("ﻻ ﺍﻟﻜﻠﺐ", "لا الكلب"),  # presentation forms
        ("plain English text", "plain English text"),
        ("loooool", "lool"),
    ],
)
def test_each_arabic_rule(raw: str, expected: str) -> None:
    assert norm(raw) == expected


def test_hamza_seats_fold_only_when_asked() -> None:
    assert norm("مؤمن رئيس") == "مومن رييس"
    assert norm("مؤمن رئيس", Normalisation(ARABIC, fold_hamza_seats=False)) == "مؤمن رئيس"
    assert norm("ء") == "ء"  # a lone hamza stays


def test_letter_folding_can_be_switched_off_keeping_the_disguise_removal() -> None:
    light = Normalisation(ARABIC, fold_letters=False, fold_hamza_seats=False)
    assert norm("أَحمـــد على مدرسة مؤتمر کلب ٣", light) == "أحمد على مدرسة مؤتمر كلب 3"


def test_repeat_max_one_shortens_long_runs_to_one_letter() -> None:
    assert norm("غبيييي الله", Normalisation(ARABIC, repeat_max=1)) == "غبي الله"


def test_whitespace_is_kept_and_words_are_never_merged_or_split() -> None:
    text = " أنت\tغبـــي\n\nجدا  ـــ َ  !!! ﷺ "
    out = norm(text)
    assert out == " انت\tغبي\n\nجدا" + " " * 5 + "!!! صلياللهعليهوسلم "
    word = word_normaliser(AR)
    assert word is not None
    rng = random.Random(0)
    alphabet = list("كلبأإآىةـًٌٍَُِّْ\u200c\u200f٣۵ abc\t\n") + ["ﻻ", "ﷺ", "ک", "ی"]
    for _ in range(300):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        expected = [w for w in (word(t) for t in sample.split()) if w]
        assert norm(sample).split() == expected
        assert norm(norm(sample)) == norm(sample)  # idempotent


def test_unknown_normalisation_is_refused() -> None:
    with pytest.raises(ValueError, match="normalisation"):
        Normalisation("klingon")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_aljazeera_levels_map_to_offensive_and_obscene(tmp_path: Path) -> None:
    path = _write(tmp_path / "AJ-dev.tsv", "\ttext\tlevel\n0\tتعليق عادي\t0\n1\tكلام مسيء\t-1\n2\tكلام فاحش\t-2\n")
    rows = load_rows([path])
    assert [(r.label, r.category, r.labels) for r in rows] == [
        (0, None, ()),
        (1, "abuse", ("offensive",)),
        (1, "abuse", ("obscene",)),
    ]
    assert {(r.source, r.language) for r in rows} == {("aljazeera", "ar")}


def test_osact2020_off_is_positive_and_placeholders_are_removed(tmp_path: Path) -> None:
    lines = "RT @USER: انت حمار<LF>اسكت URL\tOFF\tHS\n@USER صباح الخير\tNOT_OFF\tNOT_HS\n"
    rows = load_rows([_write(tmp_path / "OSACT2020-sharedTask-dev.txt", lines)])
    assert rows[0] == Row("انت حمار\nاسكت", 1, "abuse", "osact2020", "ar", ("offensive", "hate"))
    assert rows[1] == Row("صباح الخير", 0, None, "osact2020", "ar", ())


def test_osact2022_keeps_fine_grained_labels(tmp_path: Path) -> None:
    lines = "1\t@USER يا كلب\tOFF\tHS3\tVLG\tVIO\n2\tيوم جميل\tNOT_OFF\tNOT_HS\tNOT_VLG\tNOT_VIO\n"
    rows = load_rows([_write(tmp_path / "OSACT2022-sharedTask-train.txt", lines)])
    assert rows[0].labels == ("offensive", "hate:HS3", "vulgar", "violence") and rows[0].text == "يا كلب"
    assert [(r.label, r.source) for r in rows] == [(1, "osact2022"), (0, "osact2022")]


def test_lhsab_abusive_and_hate_are_positive_and_broken_lines_skipped(tmp_path: Path) -> None:
    text = 'Tweet\tClass\nتغريدة عادية\tnormal\nيا جحش\tabusive\nكلام كراهية\thate\n"سطر مكسور\n\n'
    rows = load_rows([_write(tmp_path / "L-HSAB.tsv", text)])
    assert [(r.text, r.label, r.labels) for r in rows] == [
        ("تغريدة عادية", 0, ()),
        ("يا جحش", 1, ("abusive",)),
        ("كلام كراهية", 1, ("hate",)),
    ]


def test_mlma_any_non_normal_sentiment_is_positive(tmp_path: Path) -> None:
    text = "HITId,tweet,sentiment,directness\n1,كلام عادي @url,normal,indirect\n"
    text += "2,كلام مهين,offensive_disrespectful,direct\n"
    rows = load_rows([_write(tmp_path / "ar_dataset.csv", text)])
    assert [(r.text, r.label, r.labels, r.source) for r in rows] == [
        ("كلام عادي", 0, (), "mlma"),
        ("كلام مهين", 1, ("offensive", "disrespectful"), "mlma"),
    ]


def test_arabic_spam_set_keeps_spam_rows_only_and_english_sms_is_unchanged(tmp_path: Path) -> None:
    arabic = _write(tmp_path / "spam_ham_tweets.csv", "text,label\nعنوان خبر عن الانتخابات,Ham\nاربح جوائز الآن,Spam\n")
    english = _write(tmp_path / "sms.csv", "label,text\nham,see you at noon\nspam,WIN a prize now\n")
    assert load_rows([arabic]) == [Row("اربح جوائز الآن", 1, "spam", "arabic-spam", "ar", ("spam",))]
    assert [(r.label, r.source, r.language) for r in load_rows([english])] == [(0, "sms", "en"), (1, "sms", "en")]


def test_generic_csv_and_records_carry_a_language(toy_ar_csv: Path) -> None:
    rows = load_rows([toy_ar_csv])
    assert {r.language for r in rows} == {"ar"} and {r.label for r in rows} == {0, 1}
    assert from_records([("نص", 1, "abuse", "site", "ar"), ("text", 0, None, "site")])[0].language == "ar"
    assert from_records([("text", 0, None, "site")])[0].language == "en"


def test_duplicates_are_removed_across_sources_after_normalisation() -> None:
    rows = [
        Row("أنت  غَبِي", 1, "abuse", "aljazeera", "ar"),
        Row("انت غبي", 1, "abuse", "osact2020", "ar"),
        Row("انت ذكي", 0, None, "osact2020", "ar"),
    ]
    kept, dropped = dedupe_rows(rows, AR)
    assert kept == [rows[0], rows[2]] and dropped == {"osact2020": 1}


def test_every_arabic_source_has_a_licence_status() -> None:
    for source in ("aljazeera", "osact2020", "osact2022", "l-hsab", "mlma", "arabic-spam"):
        assert SOURCE_LICENCES[source]


@pytest.fixture(scope="module")
def bilingual(bilingual_model_dir: Path) -> Scorer:
    return Scorer.load(bilingual_model_dir)


def arabic_texts(vocabulary: list[str], n: int, seed: int) -> list[str]:
    """Arabic texts disguised as readers disguise them: marks, tatweel, invisible characters, odd spacing."""
    rng = random.Random(seed)
    extras = ["ـــ", "\u200c", "َ", "٣٣", "ﻻ", "!!!", "؟", "غبيييي", "کلب", "ﷺ", "abc", ""]
    spaces = [" ", "  ", "\t", "\n", "\u00a0"]
    texts = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(0, 30)):
            word = rng.choice(vocabulary + extras)
            if word and rng.random() < 0.3:
                cut = rng.randint(0, len(word))
                word = word[:cut] + rng.choice(["ـ", "ّ", "ُ", "\u200c", "\u200f"]) + word[cut:]
            words.append(word)
        texts.append("".join(w + rng.choice(spaces) for w in words))
    return texts


def test_bilingual_version_scores_both_languages_with_their_own_thresholds(bilingual: Scorer) -> None:
    assert bilingual.languages == ("ar", "en")
    score = bilingual.score("أنت غبي وحقير ويجب أن تموت", language="ar")
    assert score.language == "ar" and score.model_version == "2026-12-03.9"
    assert score.probability > bilingual.score("شكرا على التقرير الواضح", language="ar").probability
    assert bilingual.score("you idiot").language == "en"
    for language in ("en", "ar"):
        thresholds = bilingual.thresholds(language)
        assert set(thresholds) == {"publish_below", "reject_at"}
        assert thresholds["publish_below"] <= thresholds["reject_at"]
    card = bilingual.card
    assert card["languages"]["ar"]["hyperparameters"]["normalisation"] == "arabic"
    assert card["languages"]["en"]["hyperparameters"]["normalisation"] == "none"
    assert card["languages"]["ar"]["artifact"]["file"] == "model-ar.skops"


def test_unsupported_language_is_a_scoring_error(bilingual: Scorer) -> None:
    with pytest.raises(UnsupportedLanguage) as info:
        bilingual.score("سلام دوست من", language="fa")
    assert isinstance(info.value, ScoringError) and info.value.supported == ("ar", "en")
    with pytest.raises(UnsupportedLanguage):
        bilingual.score_many(["你好"], language="zh")
    with pytest.raises(UnsupportedLanguage):
        bilingual.thresholds("ku")


def test_arabic_fast_path_agrees_with_predict_proba_on_normalised_text(bilingual: Scorer, toy_ar_csv: Path) -> None:
    vocabulary = sorted({w for r in load_rows([toy_ar_csv]) for w in r.text.split()})
    texts = arabic_texts(vocabulary, 300, seed=4)
    fast = bilingual.probabilities(texts, language="ar")
    slow = np.array(bilingual.reference_probabilities(texts, language="ar"))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    singles = np.array([[s.probability, *s.categories.values()] for s in bilingual.score_many(texts[:40], "ar")])
    np.testing.assert_allclose(singles, slow[:40], rtol=0, atol=1e-9)


def test_disguised_arabic_scores_like_the_plain_text(bilingual: Scorer) -> None:
    plain = bilingual.score("أنت غبي وحقير", language="ar").probability
    for disguised in ("أَنْتَ غَبِيٌّ وَحَقِيرٌ", "أنت غـــبي وحـقـير", "أنت غ\u200cبي وحقير", "أنت غبييييي وحقير"):
        assert bilingual.score(disguised, language="ar").probability == pytest.approx(plain, abs=1e-12)


def test_explanation_offsets_point_into_the_original_right_to_left_text(bilingual: Scorer) -> None:
    text = "مقال جيد، لكن الكاتب حَقِيرٌ وغـــبي!  \u200fشكرا"
    score = bilingual.score(text, language="ar")
    assert score.explanation
    for item in score.explanation:
        assert text[item.start : item.end] == item.term and item.weight != 0
    terms = {item.term: item for item in score.explanation}
    assert "حَقِيرٌ" in terms and terms["حَقِيرٌ"].weight > 0  # the original form, diacritics and all
    assert "وغـــبي" in terms and text.index("وغـــبي") == terms["وغـــبي"].start
    assert "جيد" in terms  # the Arabic comma is trimmed off the span


def test_multi_language_round_trip_gives_the_same_scores(bilingual_model_dir: Path, tmp_path: Path) -> None:
    models, card = load_version(bilingual_model_dir)
    sections = {
        lang: {k: v for k, v in section.items() if k not in ("artifact", "language")}
        for lang, section in card["languages"].items()
    }
    copy = tmp_path / "2026-12-03.10"
    save_version(copy, {"version": copy.name, "libraries": card["libraries"]}, sections, models)
    again = Scorer.load(copy)
    original = Scorer.load(bilingual_model_dir)
    for language, text in (("ar", "يا حمار اسكت"), ("en", "you idiot")):
        assert again.score(text, language).probability == original.score(text, language).probability
    with pytest.raises(ArtifactError, match="immutable"):
        save_version(copy, {}, sections, models)


def test_an_untrusted_type_in_the_arabic_file_is_refused(bilingual_model_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(bilingual_model_dir, tmp_path / bilingual_model_dir.name))
    sio.dump({"pipeline": FunctionTransformer(func=np.exp), "vocabularies": {}}, copy / "model-ar.skops")
    card = json.loads((copy / CARD_FILE).read_text())
    card["languages"]["ar"]["artifact"]["sha256"] = sha256_file(copy / "model-ar.skops")
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="allow-list"):
        Scorer.load(copy)


def test_a_tampered_arabic_file_or_odd_file_name_is_refused(bilingual_model_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(bilingual_model_dir, tmp_path / bilingual_model_dir.name))
    with (copy / "model-ar.skops").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactError, match="sha256"):
        Scorer.load(copy)
    card = json.loads((copy / CARD_FILE).read_text())
    card["languages"]["ar"]["artifact"]["file"] = "../model-ar.skops"
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="malformed"):
        Scorer.load(copy)


def test_a_single_language_folder_from_before_languages_still_loads_as_english(
    bilingual_model_dir: Path, tmp_path: Path
) -> None:
    legacy = tmp_path / "2026-11-27.9"
    legacy.mkdir()
    shutil.copy(bilingual_model_dir / MODEL_FILE, legacy / MODEL_FILE)
    card = json.loads((bilingual_model_dir / CARD_FILE).read_text())
    del card["languages"], card["primary_language"]
    card["hyperparameters"] = {k: v for k, v in card["hyperparameters"].items() if k != "normalisation"}
    (legacy / CARD_FILE).write_text(json.dumps(card))
    scorer = Scorer.load(legacy)
    assert scorer.languages == ("en",) and scorer.thresholds("en") == {
        k: card["thresholds"][k] for k in ("publish_below", "reject_at")
    }
    assert scorer.score("you idiot").probability == Scorer.load(bilingual_model_dir).score("you idiot").probability
    with pytest.raises(UnsupportedLanguage):
        scorer.score("انت غبي", language="ar")


def test_training_reports_per_language_loso_and_licences(toy_csv: Path, toy_ar_csv: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = toy_ar_csv.read_text(encoding="utf-8").splitlines()
    (data / "forum_ar.csv").write_text("\n".join([rows[0], *rows[1::2]]) + "\n", encoding="utf-8")
    (data / "paper_ar.csv").write_text("\n".join([rows[0], *rows[2::2]]) + "\n", encoding="utf-8")
    folder = train_model([toy_csv, data], tmp_path / "models", seed=1, languages=["ar"])
    card = json.loads((folder / CARD_FILE).read_text())
    assert list(card["languages"]) == ["ar"] and card["primary_language"] == "ar"
    assert not (folder / MODEL_FILE).exists() and (folder / "model-ar.skops").is_file()
    section = card["languages"]["ar"]
    assert set(section["metrics"]["leave_one_source_out"]["per_source"]) == {"forum_ar", "paper_ar"}
    assert all("licence" in s for s in section["training_data"]["sources"].values())
    assert Scorer.load(folder).languages == ("ar",)


def test_param_overrides_apply_to_every_language_or_one() -> None:
    common, per_language = parse_params(["C=2.0", "ar.repeat_max=1", "en.source_weighting=false"])
    assert common == {"C": 2.0} and per_language == {"ar": {"repeat_max": 1}, "en": {"source_weighting": False}}
    ar = language_params("ar", common, per_language)
    en = language_params("en", common, per_language)
    assert (ar.C, ar.repeat_max, ar.normalisation, ar.source_weighting) == (2.0, 1, "arabic", False)
    assert (en.C, en.normalisation, en.source_weighting) == (2.0, "none", False)


def test_parallel_languages_give_the_same_cards(toy_csv: Path, toy_ar_csv: Path, tmp_path: Path) -> None:
    from service.classifier import train

    args = ["--data", str(toy_csv), "--data", str(toy_ar_csv), "--out", str(tmp_path), "--no-loso"]
    assert train.main([*args, "--version", "2026-12-03.1", "--workers", "1"]) == 0
    assert train.main([*args, "--version", "2026-12-03.2", "--workers", "2"]) == 0
    one, two = (json.loads((tmp_path / v / CARD_FILE).read_text()) for v in ("2026-12-03.1", "2026-12-03.2"))
    for language in ("en", "ar"):
        assert one["languages"][language]["metrics"] == two["languages"][language]["metrics"]
    a, b = Scorer.load(tmp_path / "2026-12-03.1"), Scorer.load(tmp_path / "2026-12-03.2")
    for language, text in (("ar", "يا حمار اسكت"), ("en", "you idiot")):
        assert a.score(text, language).probability == b.score(text, language).probability


def test_evaluate_reports_each_language_with_its_own_model(
    bilingual_model_dir: Path, toy_csv: Path, toy_ar_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.classifier import evaluate

    assert evaluate.main(["--model", str(bilingual_model_dir), "--data", str(toy_csv), "--data", str(toy_ar_csv)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert set(found["languages"]) == {"en", "ar"} and found["languages"]["ar"]["rows"] == 40
    assert found["languages"]["ar"]["auc"] > 0.9
