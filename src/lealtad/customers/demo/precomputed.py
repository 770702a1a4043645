"""Strings every generated chunk shares, worked out once per day: dates, times of day,
interaction templates per channel and city, payment and motive lists."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from lealtad.customers.demo.interactions import AGENT_CHANNELS, INTERACTIONS, STORE_CHANNELS
from lealtad.customers.demo.places import AGENTS, CITIES, CITY_WEIGHTS, STORES
from lealtad.customers.demo.profile_values import CHANNEL_WEIGHTS, MOTIVES, PAYMENT

_BOUGHT_KINDS = {"purchase", "return", "redemption", "payment", "installation", "complaint"}


class Precomputed:
    """Precomputed strings shared by every chunk: dates, times, interaction templates."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.days = [(today - timedelta(days=d)).isoformat() for d in range(0, 2400)]
        # Contacts happen 08:00-19:59 Ecuador time, stored in UTC (13:00-00:59 → keep < 24h).
        self.times = [
            f" {h:02d}:{m:02d}:{s:02d}"
            for h in range(13, 24)
            for m in range(60)
            for s in range(0, 60, 7)
        ]
        rng = random.Random(20240501)
        self.pools = _interaction_pools(rng)
        self.unbought = _unbought(self.pools)
        self.complaints = _complaints(self.pools)
        self.payments = [
            json.dumps(sorted(rng.sample(PAYMENT, k)), ensure_ascii=False)
            for k in (1, 1, 2, 2, 2, 3)
            for _ in range(8)
        ]
        self.motives = [
            json.dumps(rng.sample(MOTIVES, k), ensure_ascii=False)
            for k in (1, 2, 2, 3)
            for _ in range(8)
        ]
        self.cum_channels = list(cumulative(CHANNEL_WEIGHTS))
        self.cum_cities = list(cumulative(CITY_WEIGHTS))


def _interaction_pools(rng: random.Random) -> dict[tuple[str, int], list[tuple[Any, ...]]]:
    """256 interactions per channel and city, drawn in a fixed order from one seeded
    generator so every run (and the payments drawn after them) comes out the same."""
    pools: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for channel, templates in INTERACTIONS.items():
        for city in range(len(CITIES)):
            pools[(channel, city)] = [
                _interaction(rng, channel, city, templates) for _ in range(256)
            ]
    return pools


def _interaction(
    rng: random.Random, channel: str, city: int, templates: Sequence[Any]
) -> tuple[Any, ...]:
    kind, direction, subject, summaries, related = templates[rng.randrange(len(templates))]
    agent = AGENTS[rng.randrange(len(AGENTS))] if channel in AGENT_CHANNELS else ""
    stores = STORES[city]
    location = stores[rng.randrange(len(stores))] if channel in STORE_CHANNELS else ""
    summary = summaries[rng.randrange(len(summaries))]
    return (channel, kind, direction, subject, summary, agent, location, related)


def _unbought(
    pools: dict[tuple[str, int], list[tuple[Any, ...]]],
) -> dict[tuple[str, int], list[tuple[Any, ...]]]:
    """What someone who never bought contacts the company about: no purchase, return,
    payment or order on their timeline (a store's are all sales: they call instead)."""
    unbought: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for (channel, city), pool in pools.items():
        kept = [
            tpl
            for tpl in pool
            if tpl[1] not in _BOUGHT_KINDS and tpl[7] not in ("order", "invoice", "case")
        ]
        unbought[(channel, city)] = kept
    for (channel, city), kept in unbought.items():
        if not kept:
            unbought[(channel, city)] = unbought[("call_center", city)]
    return unbought


def _complaints(
    pools: dict[tuple[str, int], list[tuple[Any, ...]]],
) -> dict[int, list[tuple[Any, ...]]]:
    """What a customer who costs more to serve than they bring keeps contacting about."""
    return {
        city: [
            tpl
            for channel in ("call_center", "pos", "web", "email")
            for tpl in pools[(channel, city)]
            if tpl[1] in ("complaint", "follow_up", "service", "return")
        ]
        for city in range(len(CITIES))
    }


def cumulative(weights: Sequence[int]) -> Iterable[float]:
    total, acc = sum(weights), 0
    for w in weights:
        acc += w
        yield acc / total


@lru_cache(maxsize=4)
def precomputed(today: date) -> Precomputed:
    return Precomputed(today)
