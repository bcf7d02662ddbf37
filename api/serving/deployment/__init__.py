"""What the processes of one deployment share: the rate-limit buckets, the per-caller socket
slots, and each worker's live counts for /health, /status and /metrics.

- `shared.py`: the one interface, and the in-process kind (one worker, `memory://`).
- `machine.py`: the workers of `orderwire serve --workers N` on one machine; the supervisor
  runs a coordinator on a Unix socket beside the live-update relay.
- `redis.py`: every instance of several machines, through the Redis that carries the live
  updates (`BROADCAST_URL=redis://…`).

When the shared place cannot be reached, the limits fall back to this process alone: the API
keeps serving, `/ready` says `"limits": "per-process"`, and a warning is logged once.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from api.serving.deployment.machine import MachineDeployment
from api.serving.deployment.redis import RedisDeployment
from api.serving.deployment.shared import Deployment, LocalDeployment, WorkerCounts, totals

__all__ = ["Deployment", "WorkerCounts", "coordinator_path", "deployment_for", "totals"]


def coordinator_path(broadcast_url: str) -> str:
    """Where `serve --workers` runs the coordinator: beside the live-update relay's socket."""
    return str(Path(urlparse(broadcast_url).path).with_name("limits.sock"))


def deployment_for(broadcast_url: str, capacity: int, rate: float) -> Deployment:
    """The deployment BROADCAST_URL implies: Redis across machines, the supervisor's
    coordinator for the workers of one machine, else this process alone."""
    scheme = urlparse(broadcast_url).scheme
    if scheme in ("redis", "rediss"):
        return RedisDeployment(broadcast_url, capacity, rate)
    if scheme == "unix":
        return MachineDeployment(coordinator_path(broadcast_url), capacity, rate)
    return LocalDeployment(capacity, rate)
