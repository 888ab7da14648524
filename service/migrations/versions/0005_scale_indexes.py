"""scale indexes: queue, simulation window, shadow report, normalised e-mail

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

QUEUED = sa.text("status IN ('pending', 'reported')")
SHADOWED = sa.text("shadow_model_version IS NOT NULL")


def upgrade():
    partial = {"postgresql_where": QUEUED, "sqlite_where": QUEUED}
    op.create_index('ix_comment_queue_created', 'comment', ['created_at', 'id'], **partial)
    op.create_index('ix_comment_queue_holder', 'comment', ['lease_holder', 'created_at', 'id'], **partial)
    op.create_index('ix_comment_queue_language', 'comment', ['language', 'status', 'created_at', 'id'], **partial)
    op.create_index('ix_comment_created_score', 'comment', ['created_at', 'score', 'language'])
    op.create_index(
        'ix_comment_shadow', 'comment', ['shadow_model_version', 'id', 'score', 'shadow_score'],
        postgresql_where=SHADOWED, sqlite_where=SHADOWED,
    )
    op.create_index('ix_comment_author_email_lower', 'comment', [sa.text('lower(author_email)')])


def downgrade():
    for name in (
        'ix_comment_author_email_lower',
        'ix_comment_shadow',
        'ix_comment_created_score',
        'ix_comment_queue_language',
        'ix_comment_queue_holder',
        'ix_comment_queue_created',
    ):
        op.drop_index(name, table_name='comment')
