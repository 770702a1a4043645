"""Copying the customer's segment, tier and region onto orders and lines as they are written,
so questions by segment or tier read one table (a join with a million customers cost several
times the scan). The views lay the customers dimension's later changes over these copies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lealtad.olap.schema import ENRICHED

SOURCE = {"c_segment": "segment", "c_tier": "tier", "c_region": "region"}


class CustomerLookup:
    """The customers dimension in memory, sorted by id: three small columns."""

    def __init__(self, customers: pa.Table) -> None:
        customers = customers.sort_by("customer_id")
        self.ids = customers["customer_id"].to_numpy(zero_copy_only=False).astype(np.int64)
        self.columns = {
            target: customers[source].combine_chunks() for target, source in SOURCE.items()
        }

    def enrich(self, chunk: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        """The chunk with ``c_segment``, ``c_tier``, ``c_region`` (empty for an unknown
        customer)."""
        raw: Any = chunk["customer_id"]
        if isinstance(raw, pa.Array | pa.ChunkedArray):
            ids = raw.to_numpy(zero_copy_only=False)
        else:
            ids = np.asarray(raw, dtype=np.int64)
        out = dict(chunk)
        if not len(self.ids):
            for name in ENRICHED:
                out[name] = pa.nulls(len(ids), pa.string())
            return out
        pos = np.clip(np.searchsorted(self.ids, ids), 0, len(self.ids) - 1)
        hit = pa.array(self.ids[pos] == ids)
        where = pa.array(pos)
        for name in ENRICHED:
            taken = pc.take(self.columns[name], where)
            out[name] = pc.if_else(hit, taken, pa.scalar(None, pa.string()))
        return out
