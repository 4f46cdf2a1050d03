"""Budgets in Redis (REDIS_URL): each reservation is one Lua script, which Redis runs atomically.

The script is buckets.reserve written in Lua (the same arithmetic, tested against the same specification in
tests/core/test_rate_budget_stores.py). A key is a hash: `p` the end of a pause, `t1`… the arrival times;
it expires once every time in it is past, so idle keys cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from bot.rate_budget.buckets import Budget, Reservation

PREFIX = "clueline:rate:"
# Callers beyond this many wait for a free connection (a script takes well under a millisecond), rather than
# each opening one (or failing, which redis-py's default pool does past its limit).
MAX_CONNECTIONS = 16
# Redis keeps numbers as text; %.17g round-trips a double exactly.
RESERVE = """
local now = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local pos = 3
local wait = 0
local plans = {}
for k = 1, #KEYS do
  local count = tonumber(ARGV[pos]); pos = pos + 1
  local fields = {'p'}
  for i = 1, count do fields[i + 1] = 't' .. i end
  local values = redis.call('HMGET', KEYS[k], unpack(fields))
  local paused = tonumber(values[1]) or 0
  if paused - now > wait then wait = paused - now end
  local stored = 0
  for i = 1, count do if values[i + 1] then stored = stored + 1 end end
  local plan = {}
  for i = 1, count do
    local interval = tonumber(ARGV[pos]); local tolerance = tonumber(ARGV[pos + 1]); pos = pos + 2
    local arrival = now
    if stored == count then arrival = math.max(tonumber(values[i + 1]), now) end
    if arrival - tolerance - now > wait then wait = arrival - tolerance - now end
    plan[i] = {arrival, interval}
  end
  plans[k] = plan
end
if max_wait >= 0 and wait > max_wait then return {0, string.format('%.17g', wait)} end
local departure = now + wait
for k = 1, #KEYS do
  local fields = {}
  local latest = departure
  for i, step in ipairs(plans[k]) do
    local arrival = math.max(step[1], departure) + step[2]
    fields[#fields + 1] = 't' .. i
    fields[#fields + 1] = string.format('%.17g', arrival)
    if arrival > latest then latest = arrival end
  end
  redis.call('HSET', KEYS[k], unpack(fields))
  local paused = tonumber(redis.call('HGET', KEYS[k], 'p')) or 0
  if paused > latest then latest = paused end
  redis.call('PEXPIRE', KEYS[k], math.ceil((latest - now) * 1000) + 1000)
end
return {1, string.format('%.17g', wait)}
"""
PAUSE = """
local now = tonumber(ARGV[1])
local pause_end = tonumber(ARGV[2])
local paused = tonumber(redis.call('HGET', KEYS[1], 'p')) or 0
if pause_end > paused then
  redis.call('HSET', KEYS[1], 'p', ARGV[2])
  local ttl = redis.call('PTTL', KEYS[1])
  local needed = math.ceil((pause_end - now) * 1000) + 1000
  if ttl < needed then redis.call('PEXPIRE', KEYS[1], needed) end
end
return 1
"""


class RedisBudgetStore:
    """Shared budgets in Redis, through redis-py's asyncio client."""

    def __init__(self, url: str, client: Redis | None = None, prefix: str = PREFIX) -> None:
        self._prefix = prefix
        self._redis: Redis = client or Redis(
            connection_pool=BlockingConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS)
        )
        self._reserve = self._redis.register_script(RESERVE)
        self._pause = self._redis.register_script(PAUSE)

    async def reserve(
        self, budgets: Sequence[Budget], clock: Callable[[], float], max_wait: float | None
    ) -> Reservation:
        """Take a turn in every budget at once, in one script."""
        now = clock()
        args: list[Any] = [repr(now), repr(-1.0 if max_wait is None else max_wait)]
        for budget in budgets:
            args.append(len(budget.rates))
            for rate in budget.rates:
                args += [repr(rate.interval), repr(rate.tolerance)]
        granted, wait = await self._reserve(keys=[self._prefix + budget.key for budget in budgets], args=args)
        return Reservation(bool(int(granted)), float(wait), now + float(wait))

    async def pause(self, key: str, until: float, now: float) -> None:
        """Hold the key until `until`."""
        await self._pause(keys=[self._prefix + key], args=[repr(now), repr(until)])

    async def paused_until(self, keys: Sequence[str]) -> float:
        """The latest end of a pause among `keys`."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(self._prefix + key, "p")
            values = await pipe.execute()
        return max((float(value) for value in values if value is not None), default=0.0)

    async def close(self) -> None:
        """Close the connection pool (idempotent)."""
        await self._redis.aclose(close_connection_pool=True)
