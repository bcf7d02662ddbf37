"""Who is acting: a role and an id, as proven by the caller's token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    BUYER = "BUYER"
    SELLER = "SELLER"
    OPERATOR = "OPERATOR"
    CARRIER = "CARRIER"


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: Role
