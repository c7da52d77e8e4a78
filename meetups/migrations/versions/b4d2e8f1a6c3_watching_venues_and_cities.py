"""Watching a venue or a city, and the setting that watches what a volunteer edits

Revision ID: b4d2e8f1a6c3
Revises: e7f3a9c1d2b4
Create Date: 2026-12-05 10:30:00.000000

Existing watches are all of meetups and stay so; every account keeps watching
what it adds or edits, as it did before the setting existed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d2e8f1a6c3'
down_revision = 'e7f3a9c1d2b4'
branch_labels = None
depends_on = None

ONE_WATCHED_THING = (
    "CASE WHEN meetup_id IS NULL THEN 0 ELSE 1 END + "
    "CASE WHEN venue_id IS NULL THEN 0 ELSE 1 END + "
    "CASE WHEN city_id IS NULL THEN 0 ELSE 1 END = 1"
)


def upgrade():
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('city_id', sa.Integer(), nullable=True))
        batch_op.alter_column('meetup_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_watches_venue_id_venues'), 'venues', ['venue_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_watches_city_id_cities'), 'cities', ['city_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_watches_venue_id'), ['venue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watches_city_id'), ['city_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_watches_user_id_venue_id'), ['user_id', 'venue_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_watches_user_id_city_id'), ['user_id', 'city_id'])
        batch_op.create_check_constraint(batch_op.f('ck_watches_one_thing'), ONE_WATCHED_THING)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watch_own_edits', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('watch_own_edits')
    op.execute("DELETE FROM watches WHERE meetup_id IS NULL")
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_watches_one_thing'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_watches_user_id_city_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_watches_user_id_venue_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_watches_city_id'))
        batch_op.drop_index(batch_op.f('ix_watches_venue_id'))
        batch_op.drop_constraint(batch_op.f('fk_watches_city_id_cities'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_watches_venue_id_venues'), type_='foreignkey')
        batch_op.alter_column('meetup_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('city_id')
        batch_op.drop_column('venue_id')
