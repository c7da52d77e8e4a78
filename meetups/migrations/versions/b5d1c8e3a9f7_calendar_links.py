"""Calendar links: a meetup that follows its own public calendar

Revision ID: b5d1c8e3a9f7
Revises: b4d2e8f1a6c3
Create Date: 2026-12-05 10:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1c8e3a9f7'
down_revision = 'b4d2e8f1a6c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_links',
        sa.Column('meetup_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('series_key', sa.String(length=500), nullable=False),
        sa.Column('series_name', sa.String(length=200), nullable=False),
        sa.Column('etag', sa.String(length=300), nullable=False),
        sa.Column('last_modified', sa.String(length=100), nullable=False),
        sa.Column('base', sa.JSON(), nullable=False),
        sa.Column('conflicts', sa.JSON(), nullable=False),
        sa.Column('mismatch', sa.JSON(), nullable=False),
        sa.Column('last_error', sa.JSON(), nullable=False),
        sa.Column('failing_since', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('confirmation_asked_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meetup_id'], ['meetups.id'], name=op.f('fk_calendar_links_meetup_id_meetups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meetup_id', name=op.f('pk_calendar_links')),
    )


def downgrade():
    op.drop_table('calendar_links')
