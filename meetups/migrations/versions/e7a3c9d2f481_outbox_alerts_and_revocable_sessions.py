"""Mail: the outbox, alerts, watches, confirmation requests, and accounts' session tokens

Revision ID: e7a3c9d2f481
Revises: e3b8f0a4c6d2
Create Date: 2026-12-05 07:10:00.000000

Every existing account gets a session token of its own (signing everyone out
once: old cookies carry no token), and is taken as confirmed: its address was
accepted before confirmation existed.
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c9d2f481'
down_revision = 'e3b8f0a4c6d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('gave_up_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_sent_at'), ['sent_at'], unique=False)

    op.create_table(
        'pending_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_alerts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_alerts')),
    )
    with op.batch_alter_table('pending_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_alerts_user_id'), ['user_id'], unique=False)

    op.create_table(
        'watches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('meetup_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meetup_id'], ['meetups.id'], name=op.f('fk_watches_meetup_id_meetups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_watches_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watches')),
        sa.UniqueConstraint('user_id', 'meetup_id', name=op.f('uq_watches_user_id')),
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watches_meetup_id'), ['meetup_id'], unique=False)

    op.create_table(
        'confirmation_requests',
        sa.Column('meetup_id', sa.Integer(), nullable=False),
        sa.Column('asked_at', sa.DateTime(), nullable=False),
        sa.Column('escalated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['meetup_id'], ['meetups.id'], name=op.f('fk_confirmation_requests_meetup_id_meetups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meetup_id', name=op.f('pk_confirmation_requests')),
    )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('alerts', sa.Enum('immediate', 'daily', 'never', name='alertfrequency', native_enum=False, length=16), server_default='immediate', nullable=False))

    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String),
                     sa.column('email_confirmed_at'), sa.column('created_at'))
    connection.execute(users.update().values(email_confirmed_at=users.c.created_at))
    for user_id in connection.execute(sa.select(users.c.id)).scalars().all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('alerts')
        batch_op.drop_column('language')
        batch_op.drop_column('email_confirmed_at')
        batch_op.drop_column('session_token')

    op.drop_table('confirmation_requests')
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watches_meetup_id'))
    op.drop_table('watches')

    with op.batch_alter_table('pending_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_alerts_user_id'))
    op.drop_table('pending_alerts')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_next_attempt_at'))
    op.drop_table('outbox_messages')
