"""Each zone's rules under the applied tzdata release

Revision ID: e3b8f0a4c6d2
Revises: c5d1e7a2b9f4
Create Date: 2026-12-05 07:00:00.000000

A tzdata upgrade moves the instants of meetups in the zones it changes; the
digest kept per zone tells `flask --app meetups time-zones` which series to
re-date (SEQUENCE and ETags), and leaves every other series alone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8f0a4c6d2'
down_revision = 'c5d1e7a2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'zone_rules',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('zone'),
    )


def downgrade():
    op.drop_table('zone_rules')
