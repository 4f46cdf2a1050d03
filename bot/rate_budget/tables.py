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
    # After this the row says nothing a missing row would not: idle rows are swept now and then.
    expires_at: float = Field(default=0.0, index=True)
