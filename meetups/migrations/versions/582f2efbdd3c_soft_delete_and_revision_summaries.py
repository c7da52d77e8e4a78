"""Soft delete of venues and meetups; a summary on revisions

Revision ID: 582f2efbdd3c
Revises: abb193cc175f
Create Date: 2026-11-23 11:22:32.859843

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '582f2efbdd3c'
down_revision = 'abb193cc175f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(length=300), nullable=False, server_default=''))

    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('summary')

    with op.batch_alter_table('meetups', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

