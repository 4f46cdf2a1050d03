"""Rate budgets shared by every process: token buckets (GCRA) per key, kept in the database or in Redis.

Adapters say which budgets a call spends (their platform's keys and rates); `SharedLimiter` reserves a turn
in all of them at once through a `RateBudgetStore`, so any number of processes together keep each rate.
"""
