"""account hardening: session idle timeout, token scope and expiry, shared failure counts

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-02

Existing sessions get ``last_seen_at`` = their start (so an old idle one ends at once); existing
tokens keep what they could do (``write``) but now expire 90 days after this migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_cds_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE login_sessions SET last_seen_at = created_at")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.alter_column(
            "last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    api_tokens = sa.table(
        "api_tokens",
        sa.column("scope", sa.String),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    from datetime import UTC, datetime, timedelta

    op.execute(
        api_tokens.update().values(scope="write", expires_at=datetime.now(UTC) + timedelta(days=90))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scope", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )

    op.create_table(
        "auth_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failures")),
    )
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.create_index("ix_auth_failures_key_at", ["key", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_failures_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failures_at"))
        batch_op.drop_index("ix_auth_failures_key_at")
    op.drop_table("auth_failures")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
