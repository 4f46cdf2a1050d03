"""The table of shared rate budgets: one row per key, updated under a lock by every process."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class RateBudgetRow(SQLModel, table=True):
    """A key's bucket state (bot/rate_budget/buckets.py), times in wall-clock seconds."""

    __tablename__ = "rate_budget"

    key: str = Field(primary_key=True, max_length=255)
    arrivals: str = Field(sa_column=Column(Text, nullable=False))  # JSON list: an arrival time per rate
    paused_until: float = 0.0
    # After this the row says nothing a missing row would not: idle rows are swept now and then (a scan of
    # the live keys every few minutes). Not indexed: every reservation changes it, and an update that
    # changes an indexed column is never made in place on PostgreSQL (HOT), so each one left a dead row and
    # an index entry in both indexes for VACUUM (2,000 reservations: 2,000 dead rows, 80 KB of index for 20
    # keys).
    expires_at: float = 0.0
