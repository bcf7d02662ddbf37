"""Every instance of a deployment on several machines shares its limits and counts through
Redis (the one `BROADCAST_URL` names), with atomic scripts; when Redis cannot be reached, each
process counts alone until it can again.

- Buckets: a hash per caller, leaked and lent from in one script (Shopify's leaky bucket);
  each worker spends its share of it locally (shares.py).
- Socket slots: a sorted set per caller whose members are leases ("<worker>:<n>", scored by
  when they lapse). Each worker renews its own every few seconds, so the slots of an instance
  that died lapse by themselves; renewing also puts back what was counted alone meanwhile.
- Reports: one hash of every worker's counts, each with the Redis time it was written; a
  report older than a few renewals is a worker that is gone.
- Persisted queries: a key per document and a sorted set of when each was last used; past
  SHARED_DOCUMENTS_KEPT the least recently used go, in the script that keeps a new one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets

from redis import asyncio as redis

from api.serving.deployment.shared import (
    SHARED_DOCUMENTS_KEPT,
    LocalSlots,
    WorkerCounts,
    worker_name,
)
from api.serving.deployment.shares import Shares
from api.serving.ratelimit import Loan, MemoryBuckets, Throttle

log = logging.getLogger("orderwire.deployment")

LEASE_SECONDS = 30
RENEW_EVERY = 5.0
REPORTS = "orderwire:workers"

# Charge refused work: leak since the last call, then fill by ARGV[3], as far as it holds.
# Times are Redis's own, so instances' clocks do not matter.
_DRAIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or tostring(now))
local capacity, rate, points = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
level = math.min(capacity, math.max(0, level - (now - at) * rate) + points)
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return 1
"""

# A worker's share: leak, then lend between ARGV[3] and ARGV[4] points, as many as fit.
_LEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or tostring(now))
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local least, most = tonumber(ARGV[3]), tonumber(ARGV[4])
level = math.max(0, level - (now - at) * rate)
local lent = 0
if capacity - level >= least then
  lent = math.min(most, capacity - level)
  level = level + lent
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {tostring(lent), tostring(level)}
"""

# A share's unspent points back: leak, then lower the level by ARGV[2].
_GIVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or tostring(now))
level = math.max(0, level - (now - at) * tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
return 1
"""

# Drop lapsed leases; add this one if fewer than the limit are held.
_OPEN = """
local t = redis.call('TIME')
local now = tonumber(t[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
"""

# Renew (or put back) leases: KEYS are the callers' sets, ARGV the members, then the seconds.
_RENEW = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(ARGV[#ARGV])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, until_, ARGV[i])
  redis.call('EXPIRE', key, tonumber(ARGV[#ARGV]) * 2)
end
return #KEYS
"""


# Keep a document (KEYS[1]) and note its use in the set (KEYS[2]); drop the oldest past ARGV[3].
_KEEP = """
local t = redis.call('TIME')
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[2])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #gone, 2 do
    redis.call('DEL', ARGV[4] .. gone[i])
  end
end
return 1
"""

# A kept document (KEYS[1]), its use noted in the set (KEYS[2]) when it is there.
_FIND = """
local found = redis.call('GET', KEYS[1])
if found then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
end
return found
"""
DOCUMENT = "orderwire:apq:"
DOCUMENTS_USED = "orderwire:apq-used"


def _bucket_key(identity: str) -> str:
    return f"orderwire:bucket:{identity}"


def _slots_key(caller: str) -> str:
    return f"orderwire:sockets:{caller}"


class RedisDeployment:
    def __init__(self, url: str, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # Unique even for two apps in one process (tests): leases and reports are keyed by it.
        self.name = self._worker = f"{worker_name()}:{secrets.token_hex(3)}"
        self._alone = MemoryBuckets(capacity, rate)
        self.shares = Shares(self, capacity, rate)  # requests spend these, not a round trip
        self._held: dict[str, list[str]] = {}  # caller -> this worker's lease members
        self._local = LocalSlots()
        self._leases = itertools.count(1)
        self._counts = WorkerCounts(self._worker)
        self._reachable = True
        self._renewing: asyncio.Task[None] | None = None

    @property
    def scope(self) -> str:
        return "redis" if self._reachable else "per-process"

    async def start(self) -> None:
        self._renewing = asyncio.create_task(self._renew_forever(), name="orderwire-leases")

    async def close(self) -> None:
        await self.shares.give_back_all()
        if self._renewing is not None:
            self._renewing.cancel()
        try:
            await self._redis.hdel(REPORTS, self._worker)
            for caller, members in self._held.items():
                if members:
                    await self._redis.zrem(_slots_key(caller), *members)
        except redis.RedisError:
            pass
        await self._redis.aclose()

    async def take(self, identity: str, points: int) -> Throttle:
        return await self.shares.take(identity, points)

    async def lend(self, identity: str, least: int, most: int) -> Loan:
        key = _bucket_key(identity)
        try:
            lent, level = await self._redis.eval(
                _LEND, 1, key, self.capacity, self.rate, least, most
            )
        except redis.RedisError as error:
            self._unreachable(error)
            return await self._alone.lend(identity, least, most)
        self._reached()
        room = self.capacity - float(level)
        if float(lent) <= 0 and least > 0:
            return Loan(0.0, (least - room) / self.rate, room)
        return Loan(float(lent), 0.0, room)

    async def give_back(self, identity: str, points: float) -> None:
        try:
            await self._redis.eval(_GIVE, 1, _bucket_key(identity), self.rate, points)
        except redis.RedisError as error:
            self._unreachable(error)
            await self._alone.give_back(identity, points)

    async def drain(self, identity: str, points: int) -> None:
        try:
            await self._redis.eval(
                _DRAIN, 1, _bucket_key(identity), self.capacity, self.rate, points
            )
        except redis.RedisError as error:
            self._unreachable(error)
            await self._alone.drain(identity, points)

    async def open_socket(self, caller: str, limit: int) -> bool:
        member = f"{self._worker}:{next(self._leases)}"
        try:
            opened = await self._redis.eval(
                _OPEN, 1, _slots_key(caller), limit, LEASE_SECONDS, member
            )
        except redis.RedisError as error:
            self._unreachable(error)
            if not self._local.open(caller, limit):
                return False
            self._held.setdefault(caller, []).append(member)
            return True
        self._reached()
        if opened:
            self._local.held[caller] += 1
            self._held.setdefault(caller, []).append(member)
        return bool(opened)

    async def close_socket(self, caller: str) -> None:
        self._local.close(caller)
        members = self._held.get(caller)
        if not members:
            return
        member = members.pop()
        if not members:
            del self._held[caller]
        try:
            await self._redis.zrem(_slots_key(caller), member)
        except redis.RedisError as error:
            self._unreachable(error)  # the lease lapses by itself

    async def report(self, counts: WorkerCounts) -> None:
        self._counts = counts
        try:
            seconds, _ = await self._redis.time()
            entry = json.dumps({**counts.as_json(), "at": seconds})
            await self._redis.hset(REPORTS, self._worker, entry)
        except redis.RedisError as error:
            self._unreachable(error)

    async def keep_document(self, digest: str, document: str) -> None:
        keys = (DOCUMENT + digest, DOCUMENTS_USED)
        try:
            await self._redis.eval(
                _KEEP, 2, *keys, document, digest, SHARED_DOCUMENTS_KEPT, DOCUMENT
            )
        except redis.RedisError as error:
            self._unreachable(error)

    async def find_document(self, digest: str) -> str | None:
        try:
            found = await self._redis.eval(_FIND, 2, DOCUMENT + digest, DOCUMENTS_USED, digest)
        except redis.RedisError as error:
            self._unreachable(error)
            return None
        return None if found is None else bytes(found).decode()

    async def workers(self) -> list[WorkerCounts]:
        try:
            seconds, _ = await self._redis.time()
            raw = await self._redis.hgetall(REPORTS)
        except redis.RedisError as error:
            self._unreachable(error)
            return [self._counts]
        found, gone = [], []
        for name, entry in raw.items():
            data = json.loads(entry)
            if seconds - int(data["at"]) > 3 * RENEW_EVERY:
                gone.append(name)
            else:
                found.append(WorkerCounts.from_json(data))
        if gone:
            await self._redis.hdel(REPORTS, *gone)
        return found

    async def _renew_forever(self) -> None:
        while True:
            await self._renew()
            await asyncio.sleep(RENEW_EVERY)

    async def _renew(self) -> None:
        keys = [_slots_key(c) for c, members in self._held.items() for _ in members]
        members = [m for held in self._held.values() for m in held]
        try:
            if keys:
                await self._redis.eval(_RENEW, len(keys), *keys, *members, LEASE_SECONDS)
            await self.report(self._counts)
        except redis.RedisError as error:
            self._unreachable(error)
            return
        self._reached()

    def _unreachable(self, error: Exception) -> None:
        if self._reachable:
            log.warning("limits are per process until Redis is back: %s", error)
        self._reachable = False

    def _reached(self) -> None:
        if not self._reachable:
            log.info("limits are shared through Redis again")
        self._reachable = True
