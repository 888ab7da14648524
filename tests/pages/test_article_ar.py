"""The Arabic edition of the demo article: right to left, Arabic wording, Arabic messages, escaped comments."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from service.routes.pages import DEMO_ARTICLE_ID, DEMO_ARTICLE_ID_AR, EDITIONS, MONTHS_AR
from tests.conftest import good_comment, set_policy
from tests.pages.helpers import csrf_from

ARABIC_BODY = "نتمنى أن تعود الطرق آمنة قريبًا، فالمزارعون بحاجة إلى الوصول إلى حقولهم."


def _form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    page = client.get("/demo/article/ar").get_data(as_text=True)
    form = {
        "article_id": DEMO_ARTICLE_ID_AR,
        "author_name": "أحمد العبيدي",
        "author_email": "ahmed@example.org",
        "body": ARABIC_BODY,
        "parent_id": "",
        "website": "",
        "csrf_token": csrf_from(page),
    }
    form.update(changes)
    return form


def test_arabic_article_is_right_to_left_with_policy_required_note_and_counter(client: FlaskClient) -> None:
    response = client.get("/demo/article/ar")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "تشديد الإجراءات الأمنية في ديالى" in html
    assert "<summary>سياسة التعليقات</summary>" in html
    assert '<span class="legend-note">* يشير إلى حقل مطلوب</span>' in html
    assert '<span data-counter-value dir="ltr">1500</span> / 1500' in html
    assert f'name="article_id" value="{DEMO_ARTICLE_ID_AR}"' in html
    assert 'action="/demo/article/ar#comments"' in html
    # Every label carries the required mark; typed text takes its own direction, e-mail stays left to right.
    assert html.count('<span class="req" aria-hidden="true">*</span>') == 3
    assert 'id="author_name" name="author_name" type="text"' in html and 'dir="auto"' in html
    assert 'id="body" name="body" rows="6" required aria-required="true" dir="auto"' in html
    assert 'type="email" autocomplete="email" required aria-required="true" dir="ltr"' in html
    # The editions link to each other.
    assert 'href="/demo/article" hreflang="en" lang="en" dir="ltr">English</a>' in html
    assert "<script>" not in html and "style=" not in html


def test_english_article_links_to_the_arabic_edition(client: FlaskClient) -> None:
    html = client.get("/demo/article").get_data(as_text=True)
    assert 'href="/demo/article/ar" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in html
    assert '<link rel="alternate" hreflang="ar" href="/demo/article/ar">' in html


def test_arabic_no_js_post_is_answered_in_arabic_and_listed_on_the_arabic_edition_only(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    response = client.post("/demo/article/ar", data=_form(client))
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    assert "<h3>تم النشر</h3>" in html and "<p>نُشر تعليقك.</p>" in html
    assert f'<p class="body" dir="auto">{ARABIC_BODY}</p>' in html
    assert '<strong class="author" dir="auto">أحمد العبيدي</strong>' in html
    # The comment's date with the Levantine month name, in Western digits.
    listed = html.split("data-comment-list")[1]
    stamp = re.search(r"<time datetime=\"[^\"]+\">(\d{1,2}) (.+) (\d{4})، (\d\d:\d\d) UTC</time>", listed)
    assert stamp and stamp.group(2) in MONTHS_AR
    assert ARABIC_BODY not in client.get("/demo/article").get_data(as_text=True)


def test_arabic_page_shows_validation_errors_in_arabic_and_keeps_the_values(client: FlaskClient) -> None:
    response = client.post("/demo/article/ar", data=_form(client, author_name="  ", author_email="not-an-email"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-error-for="author_name">هذا الحقل مطلوب.</p>' in html
    assert 'data-error-for="author_email">عنوان البريد الإلكتروني غير صالح.</p>' in html
    assert f">{ARABIC_BODY}</textarea>" in html


def test_arabic_over_long_body_counts_code_points_like_the_english_page(client: FlaskClient) -> None:
    # 1499 Arabic letters plus one emoji outside the BMP: 1500 code points, exactly the limit.
    at_limit = client.post("/demo/article/ar", data=_form(client, author_name=" ", body="ب" * 1499 + "🙂"))
    assert '<span data-counter-value dir="ltr">0</span> / 1500' in at_limit.get_data(as_text=True)
    over = client.post("/demo/article/ar", data=_form(client, body="ب" * 1500 + "🙂")).get_data(as_text=True)
    assert "التعليق أطول من الحد المسموح به (1500 حرف)." in over
    assert '<p class="counter over" id="body-counter"' in over
    assert '<span data-counter-value dir="ltr">-1</span> / 1500' in over


def test_arabic_comment_with_html_in_it_is_shown_as_text(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    set_policy(client, tokens, publish_below=1.0, reject_at=1.0, audit_sample_rate=0.0)
    body = 'تعليق <script>alert("ديالى")</script> و<img src=x onerror=alert(1)> نهاية'
    payload = good_comment(article_id=DEMO_ARTICLE_ID_AR, author_name="<b>سعد</b>", body=body)
    assert client.post("/api/v1/comments", json=payload).status_code == 201
    html = client.get("/demo/article/ar").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>سعد</b>" not in html
    assert "تعليق &lt;script&gt;alert(&#34;ديالى&#34;)&lt;/script&gt; و&lt;img src=x onerror=alert(1)&gt; نهاية" in html
    assert "&lt;b&gt;سعد&lt;/b&gt;" in html


def test_i18n_blob_is_escaped_for_its_single_quoted_attribute(client: FlaskClient) -> None:
    html = client.get("/demo/article/ar").get_data(as_text=True)
    blob = html.split("data-i18n='")[1].split("'")[0]
    assert "<" not in blob and ">" not in blob
    assert "\\u0026" in blob or "&" not in blob


def test_known_api_messages_translate_and_unknown_ones_stay_english() -> None:
    arabic = EDITIONS["ar"]
    assert arabic.translate("Missing data for required field.") == "هذا الحقل مطلوب."
    assert arabic.translate("Contains control characters that are not allowed: U+0007.") == (
        "يحتوي على محارف تحكّم غير مسموح بها: U+0007."
    )
    assert arabic.translate("A message nobody has translated.") == "A message nobody has translated."
    assert EDITIONS["en"].translate("Missing data for required field.") == "Missing data for required field."
    assert EDITIONS["en"].article_id == DEMO_ARTICLE_ID
