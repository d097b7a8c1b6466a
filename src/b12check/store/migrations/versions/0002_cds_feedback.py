"""CDS Hooks feedback (audit of accepted and overridden cards)

Revision ID: 0002_cds_feedback
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_cds_feedback"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("card_uuid", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.JSON(), nullable=True),
        sa.Column("user_comment", sa.Text(), nullable=True),
        sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_issuer", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_feedback")),
    )
    op.create_index(op.f("ix_cds_feedback_service_id"), "cds_feedback", ["service_id"])
    op.create_index(op.f("ix_cds_feedback_card_uuid"), "cds_feedback", ["card_uuid"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cds_feedback_card_uuid"), table_name="cds_feedback")
    op.drop_index(op.f("ix_cds_feedback_service_id"), table_name="cds_feedback")
    op.drop_table("cds_feedback")
