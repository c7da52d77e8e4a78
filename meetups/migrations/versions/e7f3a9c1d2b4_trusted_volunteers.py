"""Trusted volunteers: moderators mark those who may undo anyone's edit

Revision ID: e7f3a9c1d2b4
Revises: e7a3c9d2f481
Create Date: 2026-12-05 07:10:00.000000

Existing accounts start untrusted: trust is given by a moderator, never assumed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7f3a9c1d2b4'
down_revision = 'e7a3c9d2f481'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('trusted')
