"""graph: the Production Context Graph (nodes, typed edges, the retrieval index)

Revision ID: graph_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "graph_0001"
down_revision = None
branch_labels = ("graph",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "graph_nodes",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("label", sa.String(512), nullable=False),
        sa.Column("service", sa.String(256), nullable=True),
        sa.Column("attrs", sa.JSON, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("weight", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_graph_nodes"),
        sa.UniqueConstraint("kind", "key", name="uq_graph_nodes_kind_key"),
    )
    op.create_index("ix_graph_nodes_service_kind", "graph_nodes", ["service", "kind"])
    op.create_table(
        "graph_edges",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "src",
            sa.Integer,
            sa.ForeignKey("graph_nodes.id", name="fk_graph_edges_src_graph_nodes"),
            nullable=False,
        ),
        sa.Column(
            "dst",
            sa.Integer,
            sa.ForeignKey("graph_nodes.id", name="fk_graph_edges_dst_graph_nodes"),
            nullable=False,
        ),
        sa.Column("attrs", sa.JSON, nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("weight", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_graph_edges"),
        sa.UniqueConstraint("kind", "src", "dst", name="uq_graph_edges_kind_src_dst"),
    )
    op.create_index("ix_graph_edges_src_kind", "graph_edges", ["src", "kind"])
    op.create_index("ix_graph_edges_dst_kind", "graph_edges", ["dst", "kind"])
    op.create_table(
        "graph_features",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column(
            "node",
            sa.Integer,
            sa.ForeignKey("graph_nodes.id", name="fk_graph_features_node_graph_nodes"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_graph_features"),
    )
    op.create_index("ix_graph_features_kind_value", "graph_features", ["kind", "value"])
    op.create_index("ix_graph_features_node", "graph_features", ["node"])


def downgrade() -> None:
    op.drop_table("graph_features")
    op.drop_table("graph_edges")
    op.drop_table("graph_nodes")
