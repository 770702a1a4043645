"""Multichannel maturity on Gartner's four stages (seed 000): 1 *inform* (web presence),
2 *interact* (a stand-alone transactional site), 3 *relate* (multichannel support, advanced
personalization, marketing on the history of needs), 4 *maximize* (every channel collaborates;
the customer sees one company).

Two readings of the same ladder, shown side by side because each corrects the other:

* **the questionnaire**: what a manager says the company does, each criterion of the seed's
  stages answered 0 (not at all) to 4 (fully);
* **the evidence**: what the facts show: orders taken online, customers buying through more
  than one channel, returns and pickups that cross channels, orders tied to a known customer.

A stage counts as reached when its criteria are, on average, at least ``REACHED`` of the way
there and every stage below it is reached too: the model is a ladder, and a company cannot
"maximize" across channels it has not joined. The score (0-4) adds each stage's fraction, so
it moves before the stage does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from lealtad.olap.cohorts import sales_filter, scope_filter
from lealtad.olap.economics import channel_set_sql

STAGES = (1, 2, 3, 4)
STAGE_NAMES = {1: "inform", 2: "interact", 3: "relate", 4: "maximize"}
ANSWER_MAX = 4
REACHED = 0.6
DISAGREEMENT = 0.34  # a third of a stage apart is a different story, not rounding

# Question id -> stage (the seed's criteria per stage; the analytics context words them).
QUESTIONS: dict[str, int] = {
    "web_presence": 1,
    "information_marketing": 1,
    "brochures_inquiries": 1,
    "online_transactions": 2,
    "product_location": 2,
    "order_confirmation": 2,
    "basic_personalization": 2,
    "opportunity_detection": 3,
    "multichannel_support": 3,
    "advanced_personalization": 3,
    "needs_based_marketing": 3,
    "channel_collaboration": 4,
    "consistent_experience": 4,
    "intimate_knowledge": 4,
    "unified_view": 4,
}

DIGITAL_CHANNELS = ("web", "mobile", "email")


@dataclass(frozen=True)
class Reading:
    """One reading of the ladder: the fraction of each stage, the stage reached, the score."""

    fractions: dict[int, float]
    stage: int
    score: float
    details: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "stage_name": STAGE_NAMES.get(self.stage, "none"),
            "score": round(self.score, 3),
            "fractions": {str(s): round(f, 3) for s, f in self.fractions.items()},
            "details": {k: round(v, 4) for k, v in self.details.items()},
        }


def ladder(fractions: Mapping[int, float]) -> tuple[int, float]:
    """The stage reached (0 when not even the first) and the score (sum of the fractions)."""
    stage = 0
    for s in STAGES:
        if fractions.get(s, 0.0) < REACHED:
            break
        stage = s
    return stage, float(sum(fractions.get(s, 0.0) for s in STAGES))


def score_answers(answers: Mapping[str, int]) -> Reading:
    """The questionnaire's reading. Every question must be answered with 0..4: a missing or
    out-of-range answer is a ``ValueError`` naming the question (the service words it)."""
    for question in QUESTIONS:
        if question not in answers:
            raise ValueError(question)
    for question, value in answers.items():
        if question not in QUESTIONS:
            raise KeyError(question)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ANSWER_MAX:
            raise ValueError(question)
    fractions: dict[int, float] = {}
    for s in STAGES:
        mine = [answers[q] / ANSWER_MAX for q, stage in QUESTIONS.items() if stage == s]
        fractions[s] = sum(mine) / len(mine)
    stage, score = ladder(fractions)
    return Reading(fractions, stage, score)


# Evidence: indicator -> (stage, the value that counts as "fully there").
TARGETS: dict[str, tuple[int, float]] = {
    "channels_in_use": (1, 1.0),  # any channel with orders or contacts: the company is present
    "digital_presence": (1, 1.0),  # contacts or orders through web, mobile or e-mail
    "online_order_share": (2, 0.10),  # a tenth of orders online is a working web shop
    "channels_with_orders": (3, 3.0),
    "multichannel_customers": (3, 0.30),  # buyers in two or more channels
    "identified_orders": (3, 0.95),  # orders tied to a known customer
    "one_history": (4, 0.50),  # buyers whose contacts and orders are on one record
    "cross_channel_returns": (4, 0.10),  # returns taken in another channel than the sale
    "cross_channel_pickups": (4, 0.10),  # online orders collected at a store
}


def _row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[float]:
    """One row of figures, NULL as 0 (fetched whole: a half-read result blocks the cursor)."""
    rows = con.execute(sql, params).fetchall()
    return [float(v) if v is not None else 0.0 for v in rows[0]] if rows else []


def measure_evidence(con: duckdb.DuckDBPyConnection, scope: Any = None) -> dict[str, float]:
    """The raw indicators from the facts (shares in 0..1, counts as counts): one pass over
    the orders, one over the customers' channel sets, one each over returns and contacts."""
    where, p = sales_filter(scope)
    c_where, c_p = scope_filter(scope, columns=("channel",))
    digital = list(DIGITAL_CHANNELS)
    marks = ", ".join("?" for _ in digital)
    channels, ch_p = channel_set_sql(con, where, p)
    online, identified, pickups = _row(
        con,
        f"SELECT avg((channel IN ({marks}))::INT), avg((customer_id IS NOT NULL)::INT), "
        f"avg((store <> '')::INT) FILTER (WHERE channel IN ({marks})) FROM orders WHERE {where}",
        [*digital, *digital, *p],
    )
    used = _row(con, f"SELECT count(DISTINCT channel) FROM orders WHERE {where}", p)[0]
    multichannel, one_history = _row(
        con,
        f"WITH per AS (SELECT customer_id, {channels} AS n FROM orders WHERE {where} "
        "AND customer_id IS NOT NULL GROUP BY 1), "
        f"talked AS (SELECT DISTINCT customer_id FROM contacts WHERE TRUE{c_where}) "
        "SELECT avg((per.n >= 2)::INT), avg((talked.customer_id IS NOT NULL)::INT) "
        "FROM per LEFT JOIN talked USING (customer_id)",
        [*ch_p, *p, *c_p],
    )
    o_where, o_p = sales_filter(scope, "o")
    (returns,) = _row(
        con,
        "SELECT avg((r.channel <> o.channel OR (r.store <> '' AND r.store <> o.store))::INT) "
        f"FROM returns r JOIN orders o USING (order_id) WHERE {o_where}",
        o_p,
    )
    # Contacts carry no store or region: a scope limited on those sees none of them.
    contact_channels, digital_contacts = _row(
        con,
        f"SELECT count(DISTINCT channel), count(*) FILTER (WHERE channel IN ({marks})) "
        f"FROM contacts WHERE TRUE{c_where}",
        [*digital, *c_p],
    )
    return {
        "channels_in_use": 1.0 if used or contact_channels else 0.0,
        "digital_presence": 1.0 if digital_contacts or online > 0 else 0.0,
        "online_order_share": online,
        "channels_with_orders": used,
        "multichannel_customers": multichannel,
        "identified_orders": identified,
        "one_history": one_history,
        "cross_channel_returns": returns,
        "cross_channel_pickups": pickups,
    }


def read_evidence(found: Mapping[str, float]) -> Reading:
    """The evidence's reading: each indicator as a fraction of its target (capped at 1),
    averaged per stage."""
    fractions: dict[int, float] = {}
    for s in STAGES:
        mine = [
            min(1.0, found.get(name, 0.0) / target)
            for name, (stage, target) in TARGETS.items()
            if stage == s
        ]
        fractions[s] = sum(mine) / len(mine)
    stage, score = ladder(fractions)
    return Reading(fractions, stage, score, dict(found))


def disagreements(said: Reading, shown: Reading) -> list[dict[str, Any]]:
    """The stages where what the questionnaire says and what the data shows part ways
    (``claimed`` when the answers run ahead of the data, ``understated`` when behind)."""
    out = []
    for s in STAGES:
        gap = said.fractions[s] - shown.fractions[s]
        if abs(gap) >= DISAGREEMENT:
            out.append(
                {
                    "stage": s,
                    "stage_name": STAGE_NAMES[s],
                    "questionnaire": round(said.fractions[s], 3),
                    "evidence": round(shown.fractions[s], 3),
                    "direction": "claimed" if gap > 0 else "understated",
                }
            )
    return out
