"""marshmallow contracts of the HTTP API, kept apart from the database tables."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from service.reasons import CATEGORIES, REPORT_REASONS
from service.records import MAX_INTEGER
from service.text import BODY_LIMIT, forbidden_characters, normalise_text

MISSING_MESSAGE = "Missing data for required field."
INVISIBLE_MESSAGE = "Contains no visible characters."
# In one-line fields (names): bidi embeddings, overrides and isolates (they reorder the text around them, e.g. to
# disguise a name) and line or paragraph separators. Bodies keep them: right-to-left writing uses some legitimately.
SINGLE_LINE_FORBIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# An id the database can hold (its Integer columns are 32-bit on PostgreSQL); beyond it, it names nothing.
ID_RANGE = validate.Range(min=1, max=MAX_INTEGER)


class WholeMatch(validate.Regexp):
    """A Regexp the whole value must match: Python's `$` also matches before a final newline, ECMA's (the spec's) does
    not, so "…\n" would pass here and fail the document's pattern."""

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or re.fullmatch(str(self.regex.pattern), value) is None:
            raise ValidationError(self._format_error(value))
        return value


class JSONBoolean(fields.Boolean):
    """true or false and nothing else: marshmallow's Boolean also takes 1, "yes", "on"..., which the spec's boolean
    does not."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictSchema(Schema):
    """Unknown fields are an error: a typo in a field name must not silently drop data."""

    class Meta:
        unknown = RAISE
        ordered = True


class NormalisedString(fields.String):
    """A string trimmed and NFC-composed on load; empty or whitespace-only counts as missing."""

    def __init__(self, *, allow_newlines: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_newlines = allow_newlines

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        text = normalise_text(raw)
        if not text:
            raise ValidationError(MISSING_MESSAGE)
        bad = forbidden_characters(text, allow_newlines=self.allow_newlines)
        if bad:
            raise ValidationError(f"Contains control characters that are not allowed: {', '.join(bad)}.")
        if all(char.isspace() or unicodedata.category(char) == "Cf" for char in text):
            # Zero-width spaces and joiners, word joiners, a byte-order mark: nothing a reader would see.
            raise ValidationError(INVISIBLE_MESSAGE)
        if not self.allow_newlines:
            layout = sorted({f"U+{ord(char):04X}" for char in SINGLE_LINE_FORBIDDEN.findall(text)})
            if layout:
                raise ValidationError(f"Contains direction or line controls that are not allowed: {', '.join(layout)}.")
        return text


class CommentIn(StrictSchema):
    """A reader's comment as article pages post it."""

    article_id = NormalisedString(required=True, validate=validate.Length(max=200))
    author_name = NormalisedString(required=True, validate=validate.Length(max=80))
    author_email = fields.Email(required=True, validate=validate.Length(max=254))
    body = NormalisedString(
        required=True,
        allow_newlines=True,
        validate=validate.Length(max=BODY_LIMIT, error=f"Longer than the limit of {BODY_LIMIT} characters."),
    )
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)
    # The page form's hidden honeypot: people leave it empty; a filled one sends the comment to the queue.
    # No length limit: a bot that fills it with anything must get the same 201 as everyone, never a hint.
    website = fields.String(load_default=None, allow_none=True)
    # Signed render time from the page form (see service.bot_signals); a too-fast post goes to the queue.
    form_token = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    # An integration token's backend posting for a reader passes the reader's address (ignored otherwise).
    client_ip = fields.IP(load_default=None, allow_none=True)
    # True when the reader posts after the nudge before posting warned them (POST /api/v1/comments/check).
    nudged = JSONBoolean(load_default=False)
    # An integration token's backend may name the author by its own user id: the author's record is then kept by
    # that id instead of the e-mail address (ignored from other callers).
    author_subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))

    @pre_load
    def _trim_email(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("author_email"), str):
            email = data["author_email"].strip()
            data = {**data, "author_email": email}
            if not email:
                raise ValidationError(MISSING_MESSAGE, "author_email")
        return data

    @validates("article_id")
    def _printable_article_id(self, value: str, **_: Any) -> None:
        if not value.isprintable():
            raise ValidationError("Must contain only printable characters.")

    @post_load
    def _lowercase_domain(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        local, _at, domain = data["author_email"].rpartition("@")
        data["author_email"] = f"{local}@{domain.lower()}"
        return data


class CommentCreated(Schema):
    """What the reader's page learns about the comment it just posted."""

    id = fields.Integer(attribute="comment_id")
    status = fields.String()
    language = fields.String(metadata={"description": 'ISO 639-1 code ("und" when undetermined).'})
    message = fields.String()
    reasons = fields.List(
        fields.Dict(),
        attribute="public_reasons",
        metadata={"description": "Plain-language reasons when not published."},
    )
    edit_token = fields.String(
        allow_none=True,
        metadata={"description": "Lets the author edit the comment until editable_until; shown only here."},
    )
    editable_until = fields.DateTime(allow_none=True)


class FormToken(Schema):
    form_token = fields.String(metadata={"description": "Send it back as `form_token` with one comment."})


class PublishedComment(Schema):
    """A published comment as any reader may see it: never the e-mail address."""

    id = fields.Integer()
    article_id = fields.String()
    parent_id = fields.Integer(allow_none=True)
    author_name = fields.String()
    body = fields.String()
    language = fields.String(allow_none=True)
    created_at = fields.DateTime()


class CommentPage(Schema):
    items = fields.List(fields.Nested(PublishedComment))
    next_cursor = fields.String(allow_none=True)


CURSOR_PATTERN = r"^[0-9]{1,16}\.[0-9]{1,10}$"


class PageArgs(StrictSchema):
    """Query arguments of a cursor-paginated list."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    # A page's next_cursor: the keyset (created_at in microseconds since 1970, id) of the last comment it holds.
    # Every string the pattern allows names a position (up to the year 2286), so the spec states it exactly.
    cursor = fields.String(
        load_default=None, validate=WholeMatch(CURSOR_PATTERN, error="Not a cursor this service issued.")
    )


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field_errors = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields")


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Health(Schema):
    status = fields.String()
    model_version = fields.String(allow_none=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


class ScoreIn(StrictSchema):
    """One `body` or a batch of `bodies` (at most 100), each within the comment limit."""

    body = NormalisedString(allow_newlines=True, validate=validate.Length(max=BODY_LIMIT))
    bodies = fields.List(
        NormalisedString(allow_newlines=True, validate=validate.Length(max=BODY_LIMIT)),
        validate=validate.Length(min=1, max=100),
    )

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **_: Any) -> None:
        if ("body" in data) == ("bodies" in data):
            raise ValidationError("Send either body or bodies.", "_schema")


class Explanation(Schema):
    term = fields.String()
    weight = fields.Float()
    start = fields.Integer()
    end = fields.Integer()


# What each category score means (the OpenAPI document names every category the API may return).
CATEGORY_MEANINGS = {
    "threat": "Threats, calls to kill or harm, incitement to violence.",
    "hate": "Attacks on a group: religion, sect, ethnicity, nationality, gender, sexuality.",
    "insult": "Attacks on a person.",
    "obscene": "Profanity, vulgarity, sexual content.",
    "spam": "Advertising, scams, link drops.",
    "abuse": "Any abusive content (the broad category beside spam).",
}


# Calibrated probability per category. A model version scores a subset of them (per language: its model card's
# `targets`); a category the version does not score is absent, never 0.
CategoryScores = Schema.from_dict(
    {name: fields.Float(metadata={"description": CATEGORY_MEANINGS[name]}) for name in CATEGORIES},
    name="CategoryScores",
)
CATEGORIES_DESCRIPTION = (
    "Calibrated probability per category the model scores for the text's language; categories it does not score "
    "are absent."
)
CategoryExplanations = Schema.from_dict(
    {name: fields.List(fields.Nested(Explanation)) for name in CATEGORIES}, name="CategoryExplanations"
)
CATEGORY_EXPLANATIONS_DESCRIPTION = (
    "For each category whose score reached its own limit in the policy (reason category_<name>): the words that drove "
    "that category's score, strongest first, with offsets into the body. Empty when no category limit was reached."
)


class ScoreOut(Schema):
    """The score of the language that would decide the text; `score` is null when no model reads its language."""

    score = fields.Float(attribute="probability", allow_none=True)
    categories = fields.Nested(CategoryScores, metadata={"description": CATEGORIES_DESCRIPTION})
    model_version = fields.String(allow_none=True)
    explanation = fields.List(fields.Nested(Explanation))
    category_explanations = fields.Nested(
        CategoryExplanations, metadata={"description": CATEGORY_EXPLANATIONS_DESCRIPTION}
    )
    language = fields.String(metadata={"description": 'ISO 639-1 code ("und" when undetermined).'})
    unsupported_languages = fields.List(
        fields.String(), metadata={"description": "Languages in the text that no model covers (it would be held)."}
    )


class ScoreBatchOut(Schema):
    items = fields.List(fields.Nested(ScoreOut))


class TokenIn(StrictSchema):
    name = NormalisedString(required=True, validate=validate.Length(max=80))
    role = fields.String(required=True, validate=validate.OneOf(["moderator", "admin", "integration"]))


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class TokenCreated(TokenOut):
    token = fields.String(metadata={"description": "The secret; shown only in this response."})


class TokenList(Schema):
    items = fields.List(fields.Nested(TokenOut))


class AuditQuery(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{1,10}$"))
    actor = fields.String(load_default=None)
    action = fields.String(load_default=None)
    comment_id = fields.Integer(load_default=None, validate=ID_RANGE)
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    until = fields.AwareDateTime(load_default=None, default_timezone=UTC)

    @post_load
    def _cursor_in_range(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # The cursor is "events older than this id": one beyond every possible id means all of them.
        if data["cursor"] is not None and int(data["cursor"]) > MAX_INTEGER:
            data["cursor"] = None
        return data


class AuditEventOut(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    comment_id = fields.Integer(allow_none=True)
    subject = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict()


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEventOut))
    next_cursor = fields.String(allow_none=True)


class Reason(Schema):
    code = fields.String()
    text = fields.String()


class QueueItem(Schema):
    """A comment as moderators see it. Blind audit samples hide the machine's score and reasons."""

    id = fields.Integer()
    article_id = fields.String()
    parent_id = fields.Integer(allow_none=True)
    author_name = fields.String()
    body = fields.String()
    status = fields.String()
    language = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)
    categories = fields.Nested(CategoryScores, metadata={"description": CATEGORIES_DESCRIPTION})
    reasons = fields.List(fields.Nested(Reason))
    explanation = fields.List(fields.Nested(Explanation))
    category_explanations = fields.Nested(
        CategoryExplanations, metadata={"description": CATEGORY_EXPLANATIONS_DESCRIPTION}
    )
    campaign_id = fields.String(allow_none=True)
    model_version = fields.String(allow_none=True)
    created_at = fields.DateTime()
    lease_holder = fields.String(allow_none=True)
    lease_expires_at = fields.DateTime(allow_none=True)
    # The author's record beside the comment (queue listings and claims; null when the author is unknown).
    author = fields.Nested(lambda: AuthorRecordOut(), allow_none=True, dump_only=True)

    @post_dump(pass_original=True)
    def _blind_audit_sample(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        if getattr(original, "audit_sample", False) and original.status == "pending":
            data.update(score=None, categories={}, explanation=[], category_explanations={})
        elif "category_explanations" in data:
            data["category_explanations"] = data["category_explanations"] or {}  # comments stored before 0009
        return data


class QueueQuery(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INTEGER))
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "score", "priority"]))
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "reported"]))
    article_id = fields.String(load_default=None)
    reason = fields.String(load_default=None)
    category = fields.String(load_default=None)
    campaign_id = fields.String(load_default=None)
    min_age_seconds = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_INTEGER))
    max_age_seconds = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_INTEGER))
    language = fields.String(load_default=None, validate=validate.Length(min=1, max=8))


class QueuePage(Schema):
    items = fields.List(fields.Nested(QueueItem))
    total = fields.Integer()


class ClaimIn(StrictSchema):
    limit = fields.Integer(load_default=10, strict=True, validate=validate.Range(min=1, max=500))


class ClaimOut(Schema):
    items = fields.List(fields.Nested(QueueItem))


class DecisionIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(load_default=None, validate=validate.Length(max=40))
    reason_text = fields.String(load_default=None, validate=validate.Length(max=500))
    note = NormalisedString(load_default=None, allow_newlines=True, validate=validate.Length(max=2000))


class BulkDecisionIn(DecisionIn):
    ids = fields.List(
        fields.Integer(strict=True, validate=ID_RANGE), load_default=list, validate=validate.Length(max=500)
    )
    campaign_id = fields.String(load_default=None)


class BulkDecisionOut(Schema):
    decided = fields.List(fields.Nested(QueueItem))
    conflicts = fields.Dict(keys=fields.String(), values=fields.String())


class NoteIn(StrictSchema):
    text = NormalisedString(required=True, allow_newlines=True, validate=validate.Length(max=2000))


class NoteOut(Schema):
    id = fields.Integer()
    comment_id = fields.Integer()
    author = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


class HistoryOut(Schema):
    items = fields.List(fields.Nested(AuditEventOut))
    notes = fields.List(fields.Nested(NoteOut))
    # The texts an author's edits replaced (service.edits), oldest first.
    revisions = fields.List(fields.Nested(lambda: RevisionOut()))


class ReportIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.OneOf(list(REPORT_REASONS)))
    text = NormalisedString(load_default=None, allow_newlines=True, validate=validate.Length(max=500))


class ReportOut(Schema):
    id = fields.Integer()
    accepted = fields.Boolean()
    message = fields.String()


def _category_limits() -> Schema:
    # The limits' schema lives with the policy, as the policy document's does (see _policy_schemas).
    from service.policy import CategoryLimits

    return CategoryLimits()


class SimulateIn(StrictSchema):
    publish_below = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    reject_at = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    high_band = fields.String(load_default="reject", validate=validate.OneOf(["reject", "hold"]))
    window_days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=1, max=3650))
    capacity_per_day = fields.Float(load_default=None, validate=validate.Range(min=0))
    cost_ratio = fields.Float(load_default=5.0, validate=validate.Range(min=0))
    language = fields.String(load_default=None, validate=validate.Length(min=1, max=8))
    # Candidate category limits ({category: {hold_at?, reject_at?}}): the answer then has a `categories` section.
    category_thresholds = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CATEGORIES)),
        values=fields.Nested(_category_limits),
        load_default=None,
    )

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["reject_at"] < data["publish_below"]:
            raise ValidationError("Must be at least publish_below.", "reject_at")


class CategoryEffect(Schema):
    """What one category's candidate limits would have done to the window's decided comments."""

    scored = fields.Integer()
    held = fields.Integer()
    held_rejected_by_people = fields.Integer()
    rejected = fields.Integer()
    rejected_rejected_by_people = fields.Integer()
    published_by_score = fields.Integer()


class Replay(Schema):
    publish_below = fields.Float()
    reject_at = fields.Float()
    decided = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rates = fields.Dict(keys=fields.String(), values=fields.Float())
    wrongly_published = fields.Integer()
    wrongly_rejected = fields.Integer()
    wrongly_published_rate = fields.Float()
    wrongly_rejected_rate = fields.Float()
    queue_per_day = fields.Float()
    cost = fields.Float()


class SimulateOut(Replay):
    window_days = fields.Integer()
    histogram = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    recommended = fields.Nested(Replay, allow_none=True)
    categories = fields.Dict(keys=fields.String(), values=fields.Nested(CategoryEffect))


class AutomaticErrorRate(Schema):
    sampled_and_decided = fields.Integer()
    overturned = fields.Integer()
    error_rate = fields.Float(allow_none=True)
    confidence_interval_95 = fields.List(fields.Float())


def _policy_schemas() -> tuple[type[Schema], type[Schema]]:
    # The policy document's schema lives with the policy; PATCH takes any subset of its fields.
    import copy

    from service.policy import PolicyDocument, PolicyOut

    optional = {}
    for name, field in PolicyDocument._declared_fields.items():
        optional[name] = copy.deepcopy(field)
        optional[name].required = False
    return PolicyOut, Schema.from_dict(optional, name="PolicyPatch")


PolicyOut, PolicyPatch = _policy_schemas()


class PrivacyEmail(StrictSchema):
    """The address whose data an admin exports or erases."""

    email = fields.Email(required=True, validate=validate.Length(max=320))


class PrivacyExport(Schema):
    email = fields.String()
    exported_at = fields.String()
    comments = fields.List(fields.Dict())
    reports_received = fields.List(fields.Dict())
    moderator_decisions = fields.List(fields.Dict())
    moderator_notes = fields.List(fields.Dict())
    audit_events = fields.List(fields.Dict())
    author_restrictions = fields.List(fields.Dict())
    comment_revisions = fields.List(fields.Dict())


class PrivacyErased(Schema):
    erased_comments = fields.Integer()


class ModelOut(Schema):
    version = fields.String()
    path = fields.String()
    sha256 = fields.String()
    state = fields.String()
    metrics = fields.Dict()
    training_summary = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ModelList(Schema):
    items = fields.List(fields.Nested(ModelOut))


class RegisterModelIn(StrictSchema):
    path = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PromoteIn(StrictSchema):
    force = JSONBoolean(load_default=False)


class ShadowReport(Schema):
    shadow_version = fields.String()
    scored_by_both = fields.Integer()
    agreement = fields.Float(allow_none=True)
    decided_since = fields.Integer()
    errors = fields.Dict()
    error_rates = fields.Dict()


class LanguageGateOut(Schema):
    candidate_auc = fields.Float(allow_none=True)
    active_auc = fields.Float(allow_none=True)
    holdout_rows = fields.Integer()
    passed = fields.Boolean()


class GateOut(Schema):
    basis = fields.String()
    candidate_auc = fields.Float(allow_none=True)
    active_auc = fields.Float(allow_none=True)
    holdout_rows = fields.Integer()
    tolerance = fields.Float()
    passed = fields.Boolean()
    per_language = fields.Dict(keys=fields.String(), values=fields.Nested(LanguageGateOut))


class PromoteOut(ModelOut):
    gate = fields.Nested(GateOut)


class CheckWord(Schema):
    term = fields.String()
    source = fields.String(metadata={"description": "banned_term, suspect_term or classifier."})
    start = fields.Integer(allow_none=True)
    end = fields.Integer(allow_none=True)


class CommentCheckOut(Schema):
    """The nudge before posting: what posting this comment now would do, and which words drove it."""

    status = fields.String(metadata={"description": "published, pending or rejected, as posting it now would decide."})
    nudge = fields.Boolean(metadata={"description": "True when the text itself would keep the comment unpublished."})
    reasons = fields.List(fields.Nested(Reason))
    words = fields.List(fields.Nested(CheckWord))


class AuthorRecordOut(Schema):
    """An author's record as moderators see it: keyed by a hash, never the e-mail address."""

    key = fields.String(metadata={"description": "Keyed hash of the e-mail address (or an integration's subject)."})
    published = fields.Integer()
    held = fields.Integer(metadata={"description": "Pending or reported comments."})
    rejected = fields.Integer()
    recent_rejections = fields.Integer(metadata={"description": "Rejected comments within the policy's window."})
    trusted = fields.Boolean(metadata={"description": "Skips the new-author hold (trust_after_published)."})
    held_by_history = fields.Boolean(metadata={"description": "Every comment is held (hold_after_rejections)."})
    banned = fields.Boolean()
    suspended_until = fields.DateTime(allow_none=True)


class RestrictionOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "suspension or ban."})
    ends_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    lifted_at = fields.DateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)


class SuspendIn(StrictSchema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3650))
    reason = NormalisedString(load_default=None, allow_newlines=True, validate=validate.Length(max=500))


class BanIn(StrictSchema):
    reason = NormalisedString(load_default=None, allow_newlines=True, validate=validate.Length(max=500))


class LiftedOut(Schema):
    lifted = fields.List(fields.Nested(RestrictionOut))


class AuthorPage(Schema):
    author = fields.Nested(AuthorRecordOut)
    restrictions = fields.List(fields.Nested(RestrictionOut), metadata={"description": "Newest first, with lifted."})
    comments = fields.List(fields.Nested(QueueItem), metadata={"description": "Newest first, any status."})


class CommentEditIn(StrictSchema):
    """An author's edit: the comment's edit token and the new text."""

    edit_token = fields.String(required=True, validate=validate.Length(min=1, max=100))
    body = NormalisedString(
        required=True,
        allow_newlines=True,
        validate=validate.Length(max=BODY_LIMIT, error=f"Longer than the limit of {BODY_LIMIT} characters."),
    )


class CommentEdited(Schema):
    """The edited comment's new outcome."""

    id = fields.Integer(attribute="comment_id")
    status = fields.String()
    language = fields.String()
    message = fields.String()
    reasons = fields.List(fields.Dict(), attribute="public_reasons")
    editable_until = fields.DateTime()
    withdrawn = fields.Boolean(metadata={"description": "A published comment went back to moderators."})


class RevisionOut(Schema):
    id = fields.Integer()
    body = fields.String()
    status = fields.String()
    score = fields.Float(allow_none=True)
    reasons = fields.List(fields.Nested(Reason))
    model_version = fields.String(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime(metadata={"description": "When this text was replaced by an edit."})


# http(s), a host name (no IP literal in brackets, no user info), an optional port within 1-65535, then any path.
WEBHOOK_URL_PATTERN = (
    r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?"
    r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?([/?#][^\s\u0000]*)?$"
)
WEBHOOK_EVENTS = ("comment.decided", "comment.published", "comment.reported")


class WebhookIn(StrictSchema):
    """An endpoint to register: where, the shared secret that signs deliveries, and which events."""

    url = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=500),
            WholeMatch(WEBHOOK_URL_PATTERN, error="Must be an http:// or https:// URL with a host name."),
        ],
    )
    secret = fields.String(required=True, validate=validate.Length(min=16, max=200))
    events = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)), required=True, validate=validate.Length(min=1, max=3)
    )


class WebhookOut(Schema):
    """An endpoint (never its secret) with its last delivery and outbox counts."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    created_by = fields.String()
    created_at = fields.DateTime()
    last_status = fields.String(allow_none=True, metadata={"description": 'HTTP status ("200") or "error: ...".'})
    last_attempt_at = fields.DateTime(allow_none=True)
    last_success_at = fields.DateTime(allow_none=True)
    pending = fields.Integer(metadata={"description": "Deliveries waiting (first try or retry)."})
    failed = fields.Integer(metadata={"description": "Deliveries given up after every retry."})


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookOut))
