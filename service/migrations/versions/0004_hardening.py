"""hardening: revocable page sessions, single-use comment-form tokens

Revision ID: 0004
Revises: 0005
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_page_session_token_id_api_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_page_session_key_hash'))
    )
    with op.batch_alter_table('page_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_session_token_id'), ['token_id'], unique=False)

    op.create_table('used_form_token',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_form_token'))
    )
    with op.batch_alter_table('used_form_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_form_token_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('used_form_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_form_token_expires_at'))

    op.drop_table('used_form_token')
    with op.batch_alter_table('page_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_session_token_id'))

    op.drop_table('page_session')
