"""category explanations: the words behind each category that held a comment

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

A comment held or rejected because a category (threat, hate, ...) reached its own limit keeps, per such category,
the words that drove that category's score, computed once when it is decided, so a moderator sees why the threat
limit fired, not only why the overall score is what it is. Plain ADD COLUMN (no table rebuild: comment carries the
triggers of 0007 and 0008); comments stored before it read as having none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comment', sa.Column('category_explanations', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('comment', 'category_explanations')
