"""Asset URIs that connect the DAGs: a publish task emits one, the marts DAG is scheduled on them."""

from __future__ import annotations

REFERENCE_DATA = "vagled://warehouse/core/reference"
