"""shadow cells: the shadow report from a histogram kept by the database

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03

shadow_cell counts the comments both the active and a shadow model scored, per shadow model version, active score
bin, shadow score bin (1/100 each, exactly as service.learning.cell_bin) and the comment's standing human action
('' when none, or when the author was erased: such a comment stays scored but no longer counts as decided). Kept by
triggers on comment (insert, a change of either score, the shadow version, human_action or excluded_from_training,
delete), in the transaction of the write, whatever the path. A report with thresholds on the 1/100 grid sums at most
100 x 100 x 3 rows of one version instead of reading every shadow-scored comment.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

# The comment columns that place it in a cell: any change of one moves it.
PLACED_BY = ['score', 'shadow_score', 'shadow_model_version', 'human_action', 'excluded_from_training']

# --- PostgreSQL -----------------------------------------------------------------------------------------------------
PG_FUNCTIONS = [
    """
    CREATE FUNCTION cell_bin(score double precision) RETURNS integer AS $$
        SELECT (floor(score * 100)
                - CASE WHEN score < floor(score * 100) / 100.0::float8 THEN 1 ELSE 0 END
                + CASE WHEN score >= (floor(score * 100) + 1) / 100.0::float8 THEN 1 ELSE 0 END)::integer
    $$ LANGUAGE sql IMMUTABLE
    """,
    """
    CREATE FUNCTION shadow_cell_add(c comment, delta integer) RETURNS void AS $$
    BEGIN
        IF c.shadow_model_version IS NULL OR c.score IS NULL OR c.shadow_score IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO shadow_cell AS s (shadow_model_version, active_bin, shadow_bin, action, comments)
        VALUES (c.shadow_model_version, cell_bin(c.score), cell_bin(c.shadow_score),
                CASE WHEN c.excluded_from_training THEN '' ELSE coalesce(c.human_action, '') END, delta)
        ON CONFLICT (shadow_model_version, active_bin, shadow_bin, action) DO UPDATE
        SET comments = s.comments + EXCLUDED.comments;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION comment_shadow_cell() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM shadow_cell_add(OLD, -1);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM shadow_cell_add(NEW, 1);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
]
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in PLACED_BY)
PG_TRIGGERS = [
    "CREATE TRIGGER comment_shadow_cell_insert AFTER INSERT ON comment FOR EACH ROW "
    "WHEN (NEW.shadow_model_version IS NOT NULL) EXECUTE FUNCTION comment_shadow_cell()",
    f"CREATE TRIGGER comment_shadow_cell_update AFTER UPDATE OF {', '.join(PLACED_BY)} ON comment FOR EACH ROW "
    f"WHEN ((OLD.shadow_model_version IS NOT NULL OR NEW.shadow_model_version IS NOT NULL) AND ({_CHANGED})) "
    "EXECUTE FUNCTION comment_shadow_cell()",
    "CREATE TRIGGER comment_shadow_cell_delete AFTER DELETE ON comment FOR EACH ROW "
    "WHEN (OLD.shadow_model_version IS NOT NULL) EXECUTE FUNCTION comment_shadow_cell()",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS comment_shadow_cell_delete ON comment",
    "DROP TRIGGER IF EXISTS comment_shadow_cell_update ON comment",
    "DROP TRIGGER IF EXISTS comment_shadow_cell_insert ON comment",
    "DROP FUNCTION IF EXISTS comment_shadow_cell()",
    "DROP FUNCTION IF EXISTS shadow_cell_add(comment, integer)",
    "DROP FUNCTION IF EXISTS cell_bin(double precision)",
]
PG_BIN = 'cell_bin({s})'

# --- SQLite ---------------------------------------------------------------------------------------------------------
SQLITE_BIN = (
    "(CAST({s} * 100 AS INTEGER) - ({s} < CAST({s} * 100 AS INTEGER) / 100.0)"
    " + ({s} >= (CAST({s} * 100 AS INTEGER) + 1) / 100.0))"
)


def _sqlite_add(row: str, delta: str) -> str:
    return (
        "INSERT INTO shadow_cell (shadow_model_version, active_bin, shadow_bin, action, comments) "
        f"SELECT {row}.shadow_model_version, {SQLITE_BIN.format(s=row + '.score')}, "
        f"{SQLITE_BIN.format(s=row + '.shadow_score')}, "
        f"CASE WHEN {row}.excluded_from_training THEN '' ELSE coalesce({row}.human_action, '') END, {delta} "
        f"WHERE {row}.shadow_model_version IS NOT NULL AND {row}.score IS NOT NULL "
        f"AND {row}.shadow_score IS NOT NULL "
        "ON CONFLICT (shadow_model_version, active_bin, shadow_bin, action) DO UPDATE "
        "SET comments = comments + excluded.comments;"
    )


_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in PLACED_BY)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER comment_shadow_cell_insert AFTER INSERT ON comment "
    "WHEN NEW.shadow_model_version IS NOT NULL BEGIN " + _sqlite_add("NEW", "1") + " END",
    f"CREATE TRIGGER comment_shadow_cell_update AFTER UPDATE OF {', '.join(PLACED_BY)} ON comment "
    f"WHEN (OLD.shadow_model_version IS NOT NULL OR NEW.shadow_model_version IS NOT NULL) AND ({_SQLITE_CHANGED}) "
    "BEGIN " + _sqlite_add("OLD", "-1") + " " + _sqlite_add("NEW", "1") + " END",
    "CREATE TRIGGER comment_shadow_cell_delete AFTER DELETE ON comment "
    "WHEN OLD.shadow_model_version IS NOT NULL BEGIN " + _sqlite_add("OLD", "-1") + " END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("comment_shadow_cell_delete", "comment_shadow_cell_update", "comment_shadow_cell_insert")
]

# The cells from scratch: what the triggers keep, counted at once.
RECOUNT = """
INSERT INTO shadow_cell (shadow_model_version, active_bin, shadow_bin, action, comments)
SELECT shadow_model_version, {active}, {shadow},
       CASE WHEN excluded_from_training THEN '' ELSE coalesce(human_action, '') END, count(*)
FROM comment
WHERE shadow_model_version IS NOT NULL AND score IS NOT NULL AND shadow_score IS NOT NULL
GROUP BY 1, 2, 3, 4
"""


def recount(bin_expression: str) -> str:
    return RECOUNT.format(active=bin_expression.format(s='score'), shadow=bin_expression.format(s='shadow_score'))


def upgrade():
    op.create_table(
        'shadow_cell',
        sa.Column('shadow_model_version', sa.String(length=64), nullable=False),
        sa.Column('active_bin', sa.Integer(), nullable=False),
        sa.Column('shadow_bin', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'shadow_model_version', 'active_bin', 'shadow_bin', 'action', name=op.f('pk_shadow_cell')
        ),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
        op.execute(recount(PG_BIN))
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute(recount(SQLITE_BIN))


def downgrade():
    for statement in PG_DROP if op.get_bind().dialect.name == 'postgresql' else SQLITE_DROP:
        op.execute(statement)
    op.drop_table('shadow_cell')
