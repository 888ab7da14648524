"""Writing one decided comment: its row, its fingerprint bands, its audit event and, for a repeat, the campaign mark
on the flood's first comment, atomically and in as few round trips as the database allows. This runs for every
comment a reader posts, so it is Core SQL, not the ORM's unit of work (measured: the ORM flush cost more than the
inserts themselves)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Integer, String, Table, TextClause, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from service.audit import AUDIT_TABLE, INSERT_EVENT
from service.extensions import db
from service.records import BodyBand, Comment

COMMENT_TABLE = cast(Table, Comment.__table__)
BODY_BAND_TABLE = cast(Table, BodyBand.__table__)
# Statements built once: SQLAlchemy then compiles each once per process, not per post.
INSERT_COMMENT = insert(COMMENT_TABLE)
INSERT_BAND = insert(BODY_BAND_TABLE)
MARK_CAMPAIGN = (
    update(COMMENT_TABLE)
    .where(COMMENT_TABLE.c.id == bindparam("repeat_of"), COMMENT_TABLE.c.campaign_id.is_(None))
    .values(campaign_id=bindparam("campaign_id"), updated_at=bindparam("now"))
)


@dataclass(frozen=True)
class NewComment:
    """Everything one post writes: the comment's columns (`created_at` included), its fingerprint bands, its audit
    event (its `comment_id`, not known yet, is filled in), and the earlier comment of a flood to mark with the
    comment's campaign id when it has none yet."""

    values: Mapping[str, Any]
    bands: Sequence[str]
    event: Mapping[str, Any]
    mark_campaign_on: int | None = None


def insert_comment(new: NewComment) -> int:
    """Write a post in the session's transaction, atomically; return the new comment's id."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _insert_in_one_statement(connection, new)
    return _insert_one_by_one(connection, new)


def _insert_one_by_one(connection: Connection, new: NewComment) -> int:
    # SQLite runs in-process: a round trip is a function call, and it has no data-modifying CTEs.
    values = new.values
    if new.mark_campaign_on is not None:
        connection.execute(
            MARK_CAMPAIGN,
            {"repeat_of": new.mark_campaign_on, "campaign_id": values["campaign_id"], "now": values["created_at"]},
        )
    inserted = connection.execute(INSERT_COMMENT, values).inserted_primary_key
    assert inserted is not None  # a single-row INSERT always reports its key
    comment_id = int(inserted[0])
    if new.bands:
        connection.execute(
            INSERT_BAND,
            [{"comment_id": comment_id, "band": band, "created_at": values["created_at"]} for band in new.bands],
        )
    connection.execute(INSERT_EVENT, {**new.event, "comment_id": comment_id})
    return comment_id


def _insert_in_one_statement(connection: Connection, new: NewComment) -> int:
    # PostgreSQL: one round trip instead of four, with data-modifying CTEs that share the new comment's id.
    values = new.values
    event = {column: value for column, value in new.event.items() if column != "comment_id"}  # from new_comment
    statement = _one_statement(tuple(values), tuple(event))
    parameters = {f"comment_{key}": value for key, value in values.items()}
    parameters.update({f"event_{key}": value for key, value in event.items()})
    parameters["bands"] = list(new.bands)
    parameters["repeat_of"] = new.mark_campaign_on
    return int(connection.execute(statement, parameters).scalar_one())


@functools.cache
def _one_statement(comment_columns: tuple[str, ...], event_columns: tuple[str, ...]) -> TextClause:
    """Data-modifying CTEs that share the new comment's id; VALUES lists, so PostgreSQL types each parameter from
    its column. Built once per column set; the bound parameters carry the columns' SQLAlchemy types (JSON, UTC)."""
    sql = f"""
        WITH new_comment AS (
            INSERT INTO comment ({", ".join(comment_columns)})
            VALUES ({", ".join(f":comment_{column}" for column in comment_columns)})
            RETURNING id, created_at
        ), new_bands AS (
            INSERT INTO body_band (comment_id, band, created_at)
            SELECT new_comment.id, band, new_comment.created_at
            FROM new_comment, unnest(CAST(:bands AS VARCHAR[])) AS band
        ), marked_campaign AS (
            UPDATE comment SET campaign_id = :comment_campaign_id, updated_at = :comment_created_at
            WHERE id = :repeat_of AND campaign_id IS NULL
        ), new_event AS (
            INSERT INTO audit_event (comment_id, {", ".join(event_columns)})
            VALUES ((SELECT id FROM new_comment), {", ".join(f":event_{column}" for column in event_columns)})
        )
        SELECT id FROM new_comment
    """
    return text(sql).bindparams(
        *(bindparam(f"comment_{column}", type_=COMMENT_TABLE.c[column].type) for column in comment_columns),
        *(bindparam(f"event_{column}", type_=AUDIT_TABLE.c[column].type) for column in event_columns),
        bindparam("bands", type_=ARRAY(String)),
        bindparam("repeat_of", type_=Integer()),
    )
