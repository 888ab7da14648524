"""Explanation offsets cut the body into escaped pieces; bad offsets never break the text."""

from __future__ import annotations

from service.routes.moderate_pages import highlighted


def test_terms_are_cut_out_by_code_point_offsets_in_order() -> None:
    body = "Ünïcode idiots and nice people"
    pieces = highlighted(
        body,
        [
            {"term": "nice", "weight": -0.4, "start": 19, "end": 23},
            {"term": "idiots", "weight": 1.2, "start": 8, "end": 14},
        ],
    )
    assert "".join(p["text"] for p in pieces) == body
    marked = [(p["text"], p["direction"]) for p in pieces if "weight" in p]
    assert marked == [("idiots", "up"), ("nice", "down")]


def test_overlapping_and_out_of_range_items_are_skipped() -> None:
    body = "short text"
    pieces = highlighted(
        body,
        [
            {"weight": 1, "start": 0, "end": 5},
            {"weight": 1, "start": 3, "end": 8},
            {"weight": 1, "start": 8, "end": 99},
        ],
    )
    assert "".join(p["text"] for p in pieces) == body
    assert [p["text"] for p in pieces if "weight" in p] == ["short"]


def test_arabic_terms_after_an_emoji_are_cut_at_code_point_offsets() -> None:
    body = "😡 المسؤولون أغبياء ولا يحمون القرى"
    start = body.index("أغبياء")
    assert start == 12  # the emoji is one code point (two UTF-16 units: a JavaScript index would say 13)
    pieces = highlighted(body, [{"term": "أغبياء", "weight": 1.1, "start": start, "end": start + 6}])
    assert [p["text"] for p in pieces] == ["😡 المسؤولون ", "أغبياء", " ولا يحمون القرى"]
