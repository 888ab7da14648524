"""Dataset adapters: each shared source recognised by its columns and mapped to label + category."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.classifier.categories import category_label
from service.classifier.datasets import LABEL_MAPPING, DatasetError, Row, detect_source, from_records, load_rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_cad_abuse_labels_map_to_abuse_and_linebreak_markers_become_newlines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cad.csv",
        ["id", "text", "labels"],
        [
            ["a1", "first line [linebreak] second line", "PersonDirectedAbuse"],
            ["a2", "NA", "Neutral"],
            ["a3", "stop hating them", "CounterSpeech"],
            ["a4", "mixed", "Neutral,IdentityDirectedAbuse"],
        ],
    )
    rows = load_rows([path])
    assert rows[0] == Row("first line \n second line", 1, "abuse", "cad", labels=("PersonDirectedAbuse",))
    assert rows[1] == Row("NA", 0, None, "cad", labels=("Neutral",))  # "NA" stays text, not a missing value
    # The fine-grained labels stay on the row: the hate and insult targets read them (categories.py).
    assert rows[3].labels == ("Neutral", "IdentityDirectedAbuse")
    assert [r.label for r in rows] == [1, 0, 0, 1]


def test_davidson_hate_and_offensive_are_positive_and_entities_unescaped(tmp_path: Path) -> None:
    header = ["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"]
    path = write_csv(
        tmp_path / "labeled_data.csv",
        header,
        [
            ["0", "3", "3", "0", "0", "0", "a &amp; b"],
            ["1", "3", "0", "3", "0", "1", "x"],
            ["2", "3", "0", "0", "3", "2", "y"],
        ],
    )
    rows = load_rows([path])
    assert [(r.label, r.category, r.source) for r in rows] == [(1, "abuse", "davidson")] * 2 + [(0, None, "davidson")]
    assert rows[0].text == "a & b"
    assert [r.labels for r in rows] == [("hate",), ("offensive",), ()]


def test_gab_any_of_hd_cv_vo_is_positive(tmp_path: Path) -> None:
    header = ["text_id", "Text", "hd", "cv", "vo", "im"]
    data = [["1", "p", "1", "0", "0", "0"], ["2", "q", "0", "1", "0", "0"], ["3", "r", "0", "0", "1", "0"]]
    data.append(["4", "s", "0", "0", "0", "1"])
    rows = load_rows([write_csv(tmp_path / "ghc_dev.csv", header, data)])
    assert [r.label for r in rows] == [1, 1, 1, 0]
    assert {r.source for r in rows} == {"gab"}
    assert [r.labels for r in rows] == [("hd",), ("cv",), ("vo",), ()]


def test_jigsaw_any_toxicity_column_is_positive(tmp_path: Path) -> None:
    header = ["id", "comment_text", "toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    data = [["1", "calm", "0", "0", "0", "0", "0", "0"], ["2", "threat", "0", "0", "0", "1", "0", "0"]]
    rows = load_rows([write_csv(tmp_path / "j.csv", header, data)])
    assert [(r.label, r.category, r.source) for r in rows] == [(0, None, "jigsaw"), (1, "abuse", "jigsaw")]
    assert [r.labels for r in rows] == [(), ("threat",)]


def test_sms_spam_is_spam_category(tmp_path: Path) -> None:
    rows = load_rows([write_csv(tmp_path / "sms.csv", ["label", "text"], [["spam", "WIN now"], ["ham", "ok"]])])
    assert rows == [Row("WIN now", 1, "spam", "sms"), Row("ok", 0, None, "sms")]


def test_youtube_html_is_cleaned_and_class_maps_to_spam(tmp_path: Path) -> None:
    header = ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"]
    data = [
        ["c1", "a", "2014", "check <a href='x'>my</a> channel &amp; sub<br />now\ufeff", "1"],
        ["c2", "b", "2014", "nice", "0"],
    ]
    rows = load_rows([write_csv(tmp_path / "yt.csv", header, data)])
    assert rows[0] == Row("check  my  channel & sub\nnow", 1, "spam", "youtube")
    assert rows[1].label == 0


def test_generic_format_with_and_without_category(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "site.csv", ["text", "label", "category"], [["buy now", "1", "spam"], ["hi", "0", ""]])
    b = write_csv(tmp_path / "other.csv", ["text", "label"], [["you fool", "1"]])
    rows = load_rows([a, b])
    assert rows == [Row("buy now", 1, "spam", "site"), Row("hi", 0, None, "site"), Row("you fool", 1, "abuse", "other")]


def test_written_comments_carry_threat_and_hate_labels_per_language(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "threat-hate.csv",
        ["text", "label", "language", "threat", "hate"],
        [
            ["I will find you", "1", "en", "1", "0"],
            ["سأقتلك يا كلب", "1", "ar", "1", "1"],
            ["the bomb killed 9", "0", "en", "0", "0"],
        ],
    )
    rows = load_rows([path])
    assert rows == [
        Row("I will find you", 1, "abuse", "written", "en", ("threat",)),
        Row("سأقتلك يا كلب", 1, "abuse", "written", "ar", ("threat", "hate")),
        Row("the bomb killed 9", 0, None, "written", "en", ()),
    ]
    assert [category_label(rows[1], c) for c in ("threat", "hate", "insult", "obscene")] == [1, 1, -1, -1]
    assert category_label(rows[2], "threat") == 0


def test_a_written_threat_marked_fine_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", ["text", "label", "language", "threat", "hate"], [["x", "0", "en", "1", "0"]])
    with pytest.raises(DatasetError, match="must have label 1"):
        load_rows([path])


def test_folder_loads_every_csv_in_name_order(tmp_path: Path) -> None:
    write_csv(tmp_path / "b.csv", ["text", "label"], [["two", "0"]])
    write_csv(tmp_path / "a.csv", ["text", "label"], [["one", "1"]])
    assert [r.text for r in load_rows([tmp_path])] == ["one", "two"]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (["text", "label"], ["x", "yes"]),
        (["text", "label", "category"], ["x", "1", "rude"]),
        (["foo", "bar"], ["1", "2"]),
    ],
)
def test_malformed_files_are_refused_with_a_clear_error(tmp_path: Path, header: list[str], row: list[str]) -> None:
    with pytest.raises(DatasetError):
        load_rows([write_csv(tmp_path / "bad.csv", header, [row])])


def test_every_adapter_is_documented_in_the_mapping_table() -> None:
    assert detect_source(["text", "label", "category"]) == "generic"
    for source in ("cad", "davidson", "gab", "jigsaw", "sms", "youtube", "written", "generic"):
        assert {"positive", "negative", "category"} <= set(LABEL_MAPPING[source])


def test_from_records_accepts_moderator_decisions() -> None:
    rows = from_records([("rude words", 1, None, "site"), ("fine", 0, "spam", "site"), ("buy", 1, "spam", "site")])
    assert [(r.label, r.category) for r in rows] == [(1, "abuse"), (0, None), (1, "spam")]
    with pytest.raises(DatasetError):
        from_records([("x", 2, None, "site")])
