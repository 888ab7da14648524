"""Reader pages: the demo article in an English and an Arabic (right-to-left) edition with its comment section
(works without JavaScript), /embed.js, and CORS for the public comment API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from service import bot_signals, moderation
from service.errors import ServiceError
from service.reasons import OUTCOME_REASONS
from service.schemas import MISSING_MESSAGE, CommentIn
from service.status import Status
from service.text import BODY_LIMIT, character_count
from service.web import access, intake
from service.web.context import secret, settings

bp = Blueprint("pages", __name__)

DEMO_ARTICLE_ID = "en/2026/12/diyala-security-tightened-after-checkpoint-attack"
DEMO_ARTICLE_ID_AR = "ar/2026/12/diyala-security-tightened-after-checkpoint-attack"
COMMENT_FIELDS = ("author_name", "author_email", "body")
# Public endpoints other sites may call from the browser (the embedded comment section), by endpoint name.
CORS_ENDPOINTS = frozenset(
    {
        "comments.create_comment",
        "comments.check_comment",
        "comments.edit_comment",
        "comments.list_article_comments",
        "comments.form_token",
    }
)

# The comment section's own wording per edition; the page script reads the same strings (data-i18n).
UI_EN: dict[str, str] = {
    "comments": "Comments",
    "policy_title": "Comment Policy",
    "policy_text": "Be civil and stay on topic. No insults, threats, hate, spam or other people's private details. "
    "Most comments appear at once; some wait for a moderator, usually within a few hours. "
    "Your e-mail address is never published.",
    "legend": "Leave a comment",
    "required_note": "* Denotes Required Field",
    "honeypot": "Leave this field empty",
    "name": "Name",
    "email": "E-mail (never published)",
    "body": "Comment",
    "characters_left": "characters left",
    "submit": "Post comment",
    "replying_to": "Replying to comment",
    "cancel_reply": "Cancel reply",
    "reply": "Reply",
    "empty": "No comments yet. Be the first.",
    "threads_one": "{n} comment thread",
    "threads_many": "{n} comment threads",
    "published": "Published",
    "pending": "Awaiting moderation",
    "rejected": "Not published",
    "failed": "Something went wrong. Please try again.",
    "offline": "The comment could not be sent. Check your connection and try again.",
    "nudge_title": "Before you post",
    "nudge_text": "As written, your comment may not be published:",
    "nudge_words": "Words that stood out:",
    "nudge_edit": "Edit my comment",
    "nudge_post": "Post anyway",
    "edit": "Edit your comment",
    "edit_label": "Your comment",
    "edit_save": "Save edit",
    "withdrawn": "Your edited comment is hidden until a moderator has looked at it.",
}
UI_AR: dict[str, str] = {
    "comments": "التعليقات",
    "policy_title": "سياسة التعليقات",
    "policy_text": "التزم بالاحترام وبموضوع المقال. لا نقبل الشتائم أو التهديدات أو خطاب الكراهية أو الرسائل الدعائية "
    "أو نشر المعلومات الشخصية للآخرين. تظهر معظم التعليقات فورًا، وينتظر بعضها مراجعة أحد المشرفين، "
    "عادةً خلال ساعات قليلة. لا يُنشر عنوان بريدك الإلكتروني أبدًا.",
    "legend": "أضف تعليقًا",
    "required_note": "* يشير إلى حقل مطلوب",
    "honeypot": "اترك هذا الحقل فارغًا",
    "name": "الاسم",
    "email": "البريد الإلكتروني (لا يُنشر)",
    "body": "التعليق",
    "characters_left": "عدد الأحرف المتبقية",
    "submit": "أرسل التعليق",
    "replying_to": "رد على التعليق رقم",
    "cancel_reply": "إلغاء الرد",
    "reply": "رد",
    "empty": "لا توجد تعليقات بعد. كن أول من يعلّق.",
    "threads_one": "عدد النقاشات: {n}",
    "threads_many": "عدد النقاشات: {n}",
    "published": "تم النشر",
    "pending": "بانتظار المراجعة",
    "rejected": "لم يُنشر",
    "failed": "حدث خطأ ما. يُرجى المحاولة مرة أخرى.",
    "offline": "تعذّر إرسال التعليق. تحقّق من اتصالك وحاول مرة أخرى.",
    "nudge_title": "قبل أن تنشر",
    "nudge_text": "قد لا يُنشر تعليقك بصيغته الحالية:",
    "nudge_words": "كلمات لفتت الانتباه:",
    "nudge_edit": "تعديل تعليقي",
    "nudge_post": "انشر على أي حال",
    "edit": "عدّل تعليقك",
    "edit_label": "تعليقك",
    "edit_save": "احفظ التعديل",
    "withdrawn": "تعليقك المعدّل مخفي إلى أن يراجعه أحد المشرفين.",
}

# English messages from the API and the form (validation errors, outcome messages, public reasons) shown in
# Arabic on the Arabic edition; anything not listed is shown as the API wrote it.
MESSAGES_AR: dict[str, str] = {
    MISSING_MESSAGE: "هذا الحقل مطلوب.",
    "Not a valid email address.": "عنوان البريد الإلكتروني غير صالح.",
    f"Longer than the limit of {BODY_LIMIT} characters.": f"التعليق أطول من الحد المسموح به ({BODY_LIMIT} حرف).",
    "Longer than maximum length 80.": "النص أطول من الحد المسموح به (80 حرفًا).",
    "Longer than maximum length 254.": "النص أطول من الحد المسموح به (254 حرفًا).",
    "Not a valid string.": "القيمة غير صالحة.",
    "The form expired. Please send it again.": "انتهت صلاحية النموذج. يُرجى إرساله مرة أخرى.",
    "Invalid request body.": "تعذّرت قراءة البيانات المرسلة.",
    "Comments on this article are closed.": "التعليقات على هذا المقال مغلقة.",
    "Too many requests; try again later.": "طلبات كثيرة جدًا. حاول مرة أخرى لاحقًا.",
    "The service is temporarily unavailable; try again shortly.": "الخدمة غير متاحة مؤقتًا. حاول مرة أخرى بعد قليل.",
    "The database is unavailable; try again shortly.": "الخدمة غير متاحة مؤقتًا. حاول مرة أخرى بعد قليل.",
    "No comment with this id.": "لا يوجد تعليق بهذا الرقم.",
    "The parent comment belongs to another article.": "التعليق الأصلي تابع لمقال آخر.",
    "Replies are only possible to published comments.": "لا يمكن الرد إلا على التعليقات المنشورة.",
    moderation.STATUS_MESSAGES[Status.PUBLISHED]: "نُشر تعليقك.",
    moderation.STATUS_MESSAGES[Status.PENDING]: "شكرًا لك. تعليقك بانتظار مراجعة المشرفين.",
    moderation.STATUS_MESSAGES[Status.REJECTED]: "لم يُنشر تعليقك لأنه يخالف سياسة التعليقات.",
    OUTCOME_REASONS["unscored"]: "تعذّر تقييم هذا التعليق آليًا، لذا سيراجعه أحد المشرفين.",
    OUTCOME_REASONS["score_borderline"]: "لم يتمكن التقييم الآلي من الحسم في هذا التعليق.",
    OUTCOME_REASONS["score_high"]: "رجّح التقييم الآلي بقوة أن هذا التعليق يخالف سياسة التعليقات.",
    OUTCOME_REASONS["banned_term"]: "يحتوي التعليق على كلمة غير مسموح بها.",
    OUTCOME_REASONS["suspect_term"]: "يحتوي التعليق على كلمة تحتاج إلى مراجعة أحد المشرفين.",
    OUTCOME_REASONS["too_many_links"]: "يحتوي التعليق على روابط أكثر من المسموح به دون مراجعة.",
    OUTCOME_REASONS["duplicate"]: "نُشر التعليق نفسه أو تعليق شبيه جدًا به قبل قليل.",
    OUTCOME_REASONS["new_author"]: "يراجع أحد المشرفين التعليقات الأولى للمعلّقين الجدد.",
    OUTCOME_REASONS["premoderated_article"]: "يراجع أحد المشرفين كل التعليقات على هذا المقال.",
    OUTCOME_REASONS["too_fast"]: "أُرسل النموذج بسرعة غير معتادة.",
    OUTCOME_REASONS["honeypot"]: "مُلئ النموذج آليًا.",
    OUTCOME_REASONS[
        "unverified_form"
    ]: "تعذّر التحقق من نموذج التعليق (مفقود أو منتهي الصلاحية أو مستخدم من قبل)، لذا سيراجعه أحد المشرفين.",
    OUTCOME_REASONS["audit_sample"]: "اختير عشوائيًا ليتحقق المشرفون من القرارات الآلية.",
    OUTCOME_REASONS["reader_reports"]: "أبلغ قرّاء عن هذا التعليق.",
}
# Messages that end in variable detail (the offending code points): the English lead is replaced, the rest kept.
MESSAGE_PREFIXES_AR: dict[str, str] = {
    "Contains control characters that are not allowed: ": "يحتوي على محارف تحكّم غير مسموح بها: ",
}
# Levantine/Iraqi month names, as the Iraq and Syria editions print dates.
MONTHS_AR = (
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
)


@dataclass(frozen=True)
class Edition:
    """One language edition of the demo article: its page, its comment thread and its wording."""

    lang: str
    direction: str
    template: str
    article_id: str
    endpoint: str
    form_endpoint: str
    ui: dict[str, str]
    messages: dict[str, str] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    def translate(self, text: str) -> str:
        """`text` in this edition's language when it is a known message, else unchanged."""
        if text in self.messages:
            return self.messages[text]
        for english, local in self.prefixes.items():
            if text.startswith(english):
                return local + text[len(english) :]
        return text

    def date(self, moment: datetime) -> str:
        """A comment's time as this edition prints it (Western digits in both editions)."""
        if self.lang == "ar":
            return f"{moment.day} {MONTHS_AR[moment.month - 1]} {moment.year}، {moment:%H:%M} UTC"
        return f"{moment:%d %b %Y, %H:%M} UTC"


EDITIONS = {
    "en": Edition(
        lang="en",
        direction="ltr",
        template="article.html",
        article_id=DEMO_ARTICLE_ID,
        endpoint="pages.demo_article",
        form_endpoint="pages.post_comment_form",
        ui=UI_EN,
    ),
    "ar": Edition(
        lang="ar",
        direction="rtl",
        template="article_ar.html",
        article_id=DEMO_ARTICLE_ID_AR,
        endpoint="pages.demo_article_ar",
        form_endpoint="pages.post_comment_form_ar",
        ui=UI_AR,
        messages=MESSAGES_AR,
        prefixes=MESSAGE_PREFIXES_AR,
    ),
}


def _threads(article_id: str) -> list[dict[str, Any]]:
    """Published comments, oldest first, threaded one level: replies hang under their top-level comment."""
    comments, _ = moderation.published_comments(article_id, 100, None)
    by_id: dict[int, dict[str, Any]] = {}
    threads: list[dict[str, Any]] = []
    for comment in comments:
        node = {"comment": comment, "replies": []}
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent["replies"].append(node)
        else:
            by_id[comment.id] = node
            threads.append(node)
    return threads


def _render_article(
    edition: Edition,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    outcome: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    values = values or {}
    reply_to = values.get("parent_id") or request.args.get("reply_to", "")
    translated = {name: [edition.translate(str(text)) for text in texts] for name, texts in (errors or {}).items()}
    html = render_template(
        edition.template,
        edition=edition,
        ui=edition.ui,
        i18n={"ui": edition.ui, "messages": edition.messages, "prefixes": edition.prefixes},
        other_editions=[other for other in EDITIONS.values() if other.lang != edition.lang],
        article_id=edition.article_id,
        threads=_threads(edition.article_id),
        values=values,
        errors=translated,
        outcome=outcome,
        reply_to=reply_to if reply_to.isdigit() else "",
        form_token=bot_signals.issue_form_token(secret()),
        csrf_token=access.csrf_token(),
        body_limit=BODY_LIMIT,
        characters_left=BODY_LIMIT - character_count(values.get("body", "")),
    )
    return html, status


@bp.get("/demo/article")
def demo_article() -> ResponseReturnValue:
    """A regional-news-style article (English edition) with its comment section."""
    return _render_article(EDITIONS["en"])


@bp.get("/demo/article/ar")
def demo_article_ar() -> ResponseReturnValue:
    """The Arabic edition of the same article, right to left, with its own comment thread."""
    return _render_article(EDITIONS["ar"])


def _form_payload(edition: Edition) -> dict[str, Any]:
    payload: dict[str, Any] = {name: request.form.get(name, "") for name in COMMENT_FIELDS}
    payload["article_id"] = request.form.get("article_id", edition.article_id)
    parent = request.form.get("parent_id", "").strip()
    payload["parent_id"] = int(parent) if parent.isdigit() else (parent or None)
    payload["website"] = request.form.get("website") or None
    payload["form_token"] = request.form.get("form_token") or None
    return payload


def _post_comment(edition: Edition) -> ResponseReturnValue:
    values = {name: request.form.get(name, "") for name in (*COMMENT_FIELDS, "parent_id")}
    if not access.csrf_valid(request.form.get("csrf_token")):
        return _render_article(edition, 400, values, {"_form": ["The form expired. Please send it again."]})
    try:
        submission = intake.accept_comment(CommentIn().load(_form_payload(edition)))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_form": exc.messages}
        return _render_article(edition, 422, values, {key: list(value) for key, value in messages.items()})
    except ServiceError as exc:
        fields = {key: list(value) for key, value in exc.fields.items()} or {"_form": [exc.message]}
        return _render_article(edition, exc.status, values, fields)
    status = submission.status
    outcome = {
        "status": str(status),
        "title": edition.ui[str(status)],
        "message": edition.translate(submission.message),
        "reasons": [{**reason, "text": edition.translate(reason["text"])} for reason in submission.public_reasons],
    }
    return _render_article(edition, 201, None, None, outcome)


@bp.post("/demo/article")
def post_comment_form() -> ResponseReturnValue:
    """The no-JavaScript path: same schema and use case as POST /api/v1/comments, answered with the page."""
    return _post_comment(EDITIONS["en"])


@bp.post("/demo/article/ar")
def post_comment_form_ar() -> ResponseReturnValue:
    """The Arabic edition's no-JavaScript path, answered in Arabic."""
    return _post_comment(EDITIONS["ar"])


@bp.get("/embed.js")
def embed_js() -> ResponseReturnValue:
    """The comment section for any page: `<div data-moderato-article="ID"></div>` plus this script."""
    static = current_app.static_folder
    assert static is not None
    response: Response = send_from_directory(static, "comments.js", mimetype="text/javascript", max_age=300)
    return response


@bp.after_app_request
def _cors(response: Response) -> Response:
    """Allow the configured origins (and only them) to call the public comment endpoints from the browser."""
    origin = request.headers.get("Origin")
    if origin and request.endpoint in CORS_ENDPOINTS and origin in settings()["web"]["allowed_origins"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
    return response
