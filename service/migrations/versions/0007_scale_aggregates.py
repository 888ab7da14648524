"""scale aggregates: queue columns kept by the database, the latest human action, per-day score histograms

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-05

Every maintained value is kept by triggers, in the transaction of the write that changes it, whatever the path
(the posting CTE, the ORM, a bulk insert, COPY):

- comment.top_category (highest category probability, first listed on a tie) and comment.reason_codes
  (" code1 code2 ": each reason code between spaces) from the JSON columns, at insert and when they change;
- comment.human_action: the action of the comment's latest standing (not undone) verdict;
- score_day: per UTC day of a comment's creation, language ('' when none) and score bin (1/1000, as
  service.simulate.bin_index): scored comments, and standing verdicts by approve/reject.
Comments and verdicts are never deleted by the service; a verdict's action and comment never change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None

QUEUED = sa.text("status IN ('pending', 'reported')")
SHADOWED = sa.text("shadow_model_version IS NOT NULL")
QUEUE_COVERED = ['status', 'score', 'language', 'top_category', 'reason_codes', 'article_id', 'campaign_id',
                 'lease_expires_at']  # fmt: skip
SHADOW_COVERED = ['human_action', 'excluded_from_training']

# --- PostgreSQL -----------------------------------------------------------------------------------------------------
PG_FUNCTIONS = [
    """
    CREATE FUNCTION score_bin(score double precision) RETURNS integer AS $$
        SELECT (floor(score * 1000)
                - CASE WHEN score < floor(score * 1000) / 1000.0::float8 THEN 1 ELSE 0 END
                + CASE WHEN score >= (floor(score * 1000) + 1) / 1000.0::float8 THEN 1 ELSE 0 END)::integer
    $$ LANGUAGE sql IMMUTABLE
    """,
    """
    CREATE FUNCTION score_day_add(created timestamptz, lang text, score double precision,
                                  d_scored integer, d_approved integer, d_rejected integer) RETURNS void AS $$
    BEGIN
        IF score IS NULL OR created IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO score_day AS s (day, language, bin, scored, approved, rejected)
        VALUES ((created AT TIME ZONE 'UTC')::date, coalesce(lang, ''), score_bin(score),
                d_scored, d_approved, d_rejected)
        ON CONFLICT (day, language, bin) DO UPDATE
        SET scored = s.scored + EXCLUDED.scored, approved = s.approved + EXCLUDED.approved,
            rejected = s.rejected + EXCLUDED.rejected;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION comment_derive() RETURNS trigger AS $$
    BEGIN
        NEW.top_category := (SELECT c.key FROM json_each_text(NEW.categories) WITH ORDINALITY AS c(key, value, n)
                             ORDER BY CAST(c.value AS double precision) DESC, c.n LIMIT 1);
        NEW.reason_codes := (SELECT ' ' || string_agg(r.value ->> 'code', ' ') || ' '
                             FROM json_array_elements(NEW.reasons) AS r(value));
        IF TG_OP = 'INSERT' THEN
            PERFORM score_day_add(NEW.created_at, NEW.language, NEW.score, 1, 0, 0);
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION comment_rebin() RETURNS trigger AS $$
    DECLARE
        approved integer;
        rejected integer;
    BEGIN
        SELECT count(*) FILTER (WHERE action <> 'reject'), count(*) FILTER (WHERE action = 'reject')
        INTO approved, rejected FROM verdict WHERE comment_id = NEW.id AND undone_at IS NULL;
        PERFORM score_day_add(OLD.created_at, OLD.language, OLD.score, -1, -approved, -rejected);
        PERFORM score_day_add(NEW.created_at, NEW.language, NEW.score, 1, approved, rejected);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION verdict_count() RETURNS trigger AS $$
    DECLARE
        delta integer;
        created timestamptz;
        lang text;
        score double precision;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            delta := CASE WHEN NEW.undone_at IS NULL THEN 1 ELSE 0 END;
        ELSE
            delta := (CASE WHEN NEW.undone_at IS NULL THEN 1 ELSE 0 END)
                     - (CASE WHEN OLD.undone_at IS NULL THEN 1 ELSE 0 END);
        END IF;
        IF delta = 0 THEN
            RETURN NULL;
        END IF;
        SELECT c.created_at, c.language, c.score INTO created, lang, score FROM comment AS c WHERE c.id = NEW.comment_id;
        PERFORM score_day_add(created, lang, score, 0,
                              CASE WHEN NEW.action = 'reject' THEN 0 ELSE delta END,
                              CASE WHEN NEW.action = 'reject' THEN delta ELSE 0 END);
        UPDATE comment SET human_action = (
            SELECT v.action FROM verdict AS v WHERE v.comment_id = NEW.comment_id AND v.undone_at IS NULL
            ORDER BY v.id DESC LIMIT 1
        ) WHERE id = NEW.comment_id;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
]
PG_TRIGGERS = [
    "CREATE TRIGGER comment_derive BEFORE INSERT OR UPDATE OF reasons, categories ON comment "
    "FOR EACH ROW EXECUTE FUNCTION comment_derive()",
    "CREATE TRIGGER comment_rebin AFTER UPDATE OF score, created_at, language ON comment FOR EACH ROW "
    "WHEN (OLD.score IS DISTINCT FROM NEW.score OR OLD.created_at IS DISTINCT FROM NEW.created_at "
    "OR OLD.language IS DISTINCT FROM NEW.language) EXECUTE FUNCTION comment_rebin()",
    "CREATE TRIGGER verdict_count AFTER INSERT OR UPDATE OF undone_at ON verdict "
    "FOR EACH ROW EXECUTE FUNCTION verdict_count()",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS verdict_count ON verdict",
    "DROP TRIGGER IF EXISTS comment_rebin ON comment",
    "DROP TRIGGER IF EXISTS comment_derive ON comment",
    "DROP FUNCTION IF EXISTS verdict_count()",
    "DROP FUNCTION IF EXISTS comment_rebin()",
    "DROP FUNCTION IF EXISTS comment_derive()",
    "DROP FUNCTION IF EXISTS score_day_add(timestamptz, text, double precision, integer, integer, integer)",
    "DROP FUNCTION IF EXISTS score_bin(double precision)",
]
PG_BACKFILL = [
    """
    UPDATE comment SET
        top_category = (SELECT c.key FROM json_each_text(categories) WITH ORDINALITY AS c(key, value, n)
                        ORDER BY CAST(c.value AS double precision) DESC, c.n LIMIT 1),
        reason_codes = (SELECT ' ' || string_agg(r.value ->> 'code', ' ') || ' '
                        FROM json_array_elements(reasons) AS r(value)),
        human_action = (SELECT v.action FROM verdict AS v WHERE v.comment_id = comment.id AND v.undone_at IS NULL
                        ORDER BY v.id DESC LIMIT 1)
    """,
]

# --- SQLite ---------------------------------------------------------------------------------------------------------
SQLITE_BIN = (
    "(CAST({s} * 1000 AS INTEGER) - ({s} < CAST({s} * 1000 AS INTEGER) / 1000.0)"
    " + ({s} >= (CAST({s} * 1000 AS INTEGER) + 1) / 1000.0))"
)
SQLITE_TOP = (
    "(SELECT c.key FROM json_each({row}.categories) AS c ORDER BY CAST(c.value AS REAL) DESC, c.id LIMIT 1)"
)
SQLITE_CODES = (
    "(SELECT ' ' || group_concat(json_extract(r.value, '$.code'), ' ') || ' ' FROM json_each({row}.reasons) AS r)"
)
SQLITE_UPSERT = (
    " ON CONFLICT (day, language, bin) DO UPDATE SET scored = scored + excluded.scored,"
    " approved = approved + excluded.approved, rejected = rejected + excluded.rejected;"
)


def _sqlite_add(row: str, scored: str, approved: str, rejected: str) -> str:
    return (
        "INSERT INTO score_day (day, language, bin, scored, approved, rejected) "
        f"SELECT date({row}.created_at), coalesce({row}.language, ''), {SQLITE_BIN.format(s=row + '.score')}, "
        f"{scored}, {approved}, {rejected} WHERE {row}.score IS NOT NULL" + SQLITE_UPSERT
    )


def _sqlite_verdict_add(sign: str) -> str:
    return (
        "INSERT INTO score_day (day, language, bin, scored, approved, rejected) "
        f"SELECT date(c.created_at), coalesce(c.language, ''), {SQLITE_BIN.format(s='c.score')}, 0, "
        f"CASE WHEN NEW.action = 'reject' THEN 0 ELSE {sign} END, CASE WHEN NEW.action = 'reject' THEN {sign} ELSE 0 END "
        "FROM comment AS c WHERE c.id = NEW.comment_id AND c.score IS NOT NULL" + SQLITE_UPSERT
    )


SQLITE_HUMAN_ACTION = (
    "UPDATE comment SET human_action = (SELECT v.action FROM verdict AS v WHERE v.comment_id = NEW.comment_id "
    "AND v.undone_at IS NULL ORDER BY v.id DESC LIMIT 1) WHERE id = NEW.comment_id;"
)
SQLITE_STANDING = "(SELECT count(*) FROM verdict AS v WHERE v.comment_id = NEW.id AND v.undone_at IS NULL AND {c})"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER comment_derive AFTER INSERT ON comment BEGIN "
    f"UPDATE comment SET top_category = {SQLITE_TOP.format(row='NEW')}, "
    f"reason_codes = {SQLITE_CODES.format(row='NEW')} WHERE id = NEW.id; "
    + _sqlite_add("NEW", "1", "0", "0")
    + " END",
    "CREATE TRIGGER comment_rederive AFTER UPDATE OF reasons, categories ON comment BEGIN "
    f"UPDATE comment SET top_category = {SQLITE_TOP.format(row='NEW')}, "
    f"reason_codes = {SQLITE_CODES.format(row='NEW')} WHERE id = NEW.id; END",
    "CREATE TRIGGER comment_rebin AFTER UPDATE OF score, created_at, language ON comment "
    "WHEN OLD.score IS NOT NEW.score OR OLD.created_at IS NOT NEW.created_at OR OLD.language IS NOT NEW.language "
    "BEGIN "
    + _sqlite_add(
        "OLD",
        "-1",
        "-" + SQLITE_STANDING.format(c="v.action <> 'reject'"),
        "-" + SQLITE_STANDING.format(c="v.action = 'reject'"),
    )
    + _sqlite_add(
        "NEW",
        "1",
        SQLITE_STANDING.format(c="v.action <> 'reject'"),
        SQLITE_STANDING.format(c="v.action = 'reject'"),
    )
    + " END",
    "CREATE TRIGGER verdict_count AFTER INSERT ON verdict WHEN NEW.undone_at IS NULL BEGIN "
    + _sqlite_verdict_add("1")
    + SQLITE_HUMAN_ACTION
    + " END",
    "CREATE TRIGGER verdict_undone AFTER UPDATE OF undone_at ON verdict "
    "WHEN (OLD.undone_at IS NULL) <> (NEW.undone_at IS NULL) BEGIN "
    + _sqlite_verdict_add("CASE WHEN NEW.undone_at IS NULL THEN 1 ELSE -1 END")
    + SQLITE_HUMAN_ACTION
    + " END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("verdict_undone", "verdict_count", "comment_rebin", "comment_rederive", "comment_derive")
]
SQLITE_BACKFILL = [
    f"UPDATE comment SET top_category = {SQLITE_TOP.format(row='comment')}, "
    f"reason_codes = {SQLITE_CODES.format(row='comment')}, "
    "human_action = (SELECT v.action FROM verdict AS v WHERE v.comment_id = comment.id AND v.undone_at IS NULL "
    "ORDER BY v.id DESC LIMIT 1)"
]

# The histogram from scratch: what the triggers keep, counted at once (PostgreSQL and SQLite spell the day and the
# bin differently).
RECOUNT = """
INSERT INTO score_day (day, language, bin, scored, approved, rejected)
SELECT {day}, coalesce(c.language, ''), {bin}, count(*),
       coalesce(sum(v.approved), 0), coalesce(sum(v.rejected), 0)
FROM comment AS c
LEFT JOIN (
    SELECT comment_id, sum(CASE WHEN action = 'reject' THEN 0 ELSE 1 END) AS approved,
           sum(CASE WHEN action = 'reject' THEN 1 ELSE 0 END) AS rejected
    FROM verdict WHERE undone_at IS NULL GROUP BY comment_id
) AS v ON v.comment_id = c.id
WHERE c.score IS NOT NULL
GROUP BY 1, 2, 3
"""
PG_RECOUNT = {'day': "(c.created_at AT TIME ZONE 'UTC')::date", 'bin': 'score_bin(c.score)'}


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('top_category', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reason_codes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('human_action', sa.String(length=16), nullable=True))
        batch_op.drop_index('ix_comment_queue_created')
        batch_op.drop_index('ix_comment_shadow')
    op.create_table(
        'score_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('bin', sa.Integer(), nullable=False),
        sa.Column('scored', sa.Integer(), nullable=False),
        sa.Column('approved', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'language', 'bin', name=op.f('pk_score_day')),
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        for statement in PG_FUNCTIONS + PG_TRIGGERS + PG_BACKFILL:
            op.execute(statement)
        op.execute(RECOUNT.format(**PG_RECOUNT))
    else:
        for statement in SQLITE_BACKFILL + SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute(RECOUNT.format(day='date(c.created_at)', bin=SQLITE_BIN.format(s='c.score')))
    op.create_index(
        'ix_comment_queue_created', 'comment', ['created_at', 'id'],
        postgresql_where=QUEUED, sqlite_where=QUEUED, postgresql_include=QUEUE_COVERED,
    )
    op.create_index(
        'ix_comment_shadow', 'comment', ['shadow_model_version', 'id', 'score', 'shadow_score'],
        postgresql_where=SHADOWED, sqlite_where=SHADOWED, postgresql_include=SHADOW_COVERED,
    )


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    op.drop_table('score_day')
    op.drop_index('ix_comment_shadow', table_name='comment')
    op.drop_index('ix_comment_queue_created', table_name='comment')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('human_action')
        batch_op.drop_column('reason_codes')
        batch_op.drop_column('top_category')
    op.create_index('ix_comment_queue_created', 'comment', ['created_at', 'id'], postgresql_where=QUEUED,
                    sqlite_where=QUEUED)  # fmt: skip
    op.create_index(
        'ix_comment_shadow', 'comment', ['shadow_model_version', 'id', 'score', 'shadow_score'],
        postgresql_where=SHADOWED, sqlite_where=SHADOWED,
    )
