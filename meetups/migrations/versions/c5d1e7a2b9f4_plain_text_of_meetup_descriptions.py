"""The plain text of each meetup's description, kept beside its Markdown

Revision ID: c5d1e7a2b9f4
Revises: 582f2efbdd3c
Create Date: 2026-12-04 14:30:00.000000

Feeds show every meetup's description as plain text; turning Markdown into it
took most of the first render of a large feed. Existing rows are filled here,
a batch at a time, with the function the app uses on every save.
"""
from alembic import op
import sqlalchemy as sa

from meetups.markup import markdown_to_text


# revision identifiers, used by Alembic.
revision = 'c5d1e7a2b9f4'
down_revision = '582f2efbdd3c'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('meetups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_text', sa.Text(), nullable=False, server_default=''))

    connection = op.get_bind()
    meetups = sa.table('meetups', sa.column('id', sa.Integer), sa.column('description', sa.Text),
                       sa.column('description_text', sa.Text))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(meetups.c.id, meetups.c.description)
            .where(meetups.c.id > last_id)
            .order_by(meetups.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            meetups.update().where(meetups.c.id == sa.bindparam('row_id')),
            [{'row_id': row.id, 'description_text': markdown_to_text(row.description or '')}
             for row in rows],
        )
        last_id = rows[-1].id


def downgrade():
    with op.batch_alter_table('meetups', schema=None) as batch_op:
        batch_op.drop_column('description_text')
