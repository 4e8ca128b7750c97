"""graph: the feature index also orders by node, so "the newest N incidents with this feature" is
an index range read (backwards), not a sort of every incident sharing it

Revision ID: graph_0002
Revises: graph_0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "graph_0002"
down_revision = "graph_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_graph_features_kind_value_node", "graph_features", ["kind", "value", "node"])
    op.drop_index("ix_graph_features_kind_value", table_name="graph_features")


def downgrade() -> None:
    op.create_index("ix_graph_features_kind_value", "graph_features", ["kind", "value"])
    op.drop_index("ix_graph_features_kind_value_node", table_name="graph_features")
