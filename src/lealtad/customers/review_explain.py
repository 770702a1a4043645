"""Why two customers may be the same person: the matcher's evidence, field by field.

:func:`explain_pair` reads both customers as the matcher does (:func:`dedupe.people_by_id`),
compares them with every comparison of the trained model and returns, per comparison, both
values, the level the pair is at and its weight (``log2`` of the Bayes factor ``m/u``), with
the overall match weight and probability. Without a trained model it still shows the levels,
with no weights, and says so; it never trains one (that is ``lealtad identity train``).

The weights are the model's level weights, without the term frequency adjustment the batch
and the ingest apply (which needs the whole base's frequencies): a shared rare surname counts
for a little more there, a common one for a little less.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from lealtad.customers import dedupe
from lealtad.customers.models import Customer
from lealtad.matching import fellegi_sunter as fs
from lealtad.matching.comparisons import DEFAULT_COMPARISONS, compare
from lealtad.matching.records import Person, Records

FIELD_LABELS = {
    "given_name": gettext_lazy("Given names"),
    "surnames": gettext_lazy("Surnames"),
    "birth_date": gettext_lazy("Birth date"),
    "national_id": gettext_lazy("National id"),
    "other_id": gettext_lazy("Other id"),
    "phone": gettext_lazy("Phones"),
    "email": gettext_lazy("Emails"),
    "street": gettext_lazy("Street"),
    "postcode": gettext_lazy("Postcode"),
    "city": gettext_lazy("City"),
}

# The comparisons' level labels, for the translation catalogue (translated when shown).
LEVEL_LABELS = (
    gettext_noop("missing"),
    gettext_noop("exact"),
    gettext_noop("first given name exact"),
    gettext_noop("transposed with surname"),
    gettext_noop("Jaro-Winkler >= 0.92"),
    gettext_noop("Jaro-Winkler >= 0.80"),
    gettext_noop("Jaro-Winkler >= 0.90"),
    gettext_noop("initial"),
    gettext_noop("different"),
    gettext_noop("both surnames exact"),
    gettext_noop("first surname exact, second missing"),
    gettext_noop("first surname exact, second differs"),
    gettext_noop("surnames crossed or transposed with given name"),
    gettext_noop("one digit typed wrong or two swapped"),
    gettext_noop("day and month transposed"),
    gettext_noop("two of day, month, year agree"),
    gettext_noop("one edit"),
    gettext_noop("two edits"),
    gettext_noop("same mobile"),
    gettext_noop("same landline"),
    gettext_noop("same last 7 digits"),
    gettext_noop("same local part, other provider"),
    gettext_noop("local part similar"),
    gettext_noop("street and number agree"),
    gettext_noop("similar street, same number"),
    gettext_noop("same street, other number"),
    gettext_noop("same number only"),
)


@dataclass
class ComparisonRow:
    """One comparison of the pair: both values, the level and what it weighed."""

    name: str
    label: str
    value_a: str
    value_b: str
    level: int
    level_label: str
    verdict: str  # "agree", "partial", "disagree" or "missing"
    weight: float | None  # log2 Bayes factor; None without a trained model
    bar: int = 0  # |weight| as a percentage of the pair's largest, for the page's bars


@dataclass
class PairExplanation:
    customer_a: int
    customer_b: int
    rows: list[ComparisonRow] = field(default_factory=list)
    weight: float | None = None  # overall match weight (prior included)
    probability: float | None = None
    prior_weight: float | None = None
    # Against two people of one home, only personal fields count: the pair's weight when
    # that reading kept it below the link threshold (None when it did not matter).
    household_weight: float | None = None
    trained: bool = False
    note: str = ""

    @property
    def max_abs_weight(self) -> float:
        return max((abs(r.weight) for r in self.rows if r.weight is not None), default=0.0)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _values(person: Person) -> dict[str, str]:
    """What each comparison looks at, as captured."""
    birth = person.birth_date
    address = person.addresses[0] if person.addresses else ("", "", "", "")
    return {
        "given_name": person.given_names,
        "surnames": " ".join(x for x in (person.first_surname, person.second_surname) if x),
        "birth_date": birth.isoformat() if isinstance(birth, date) else str(birth or ""),
        "national_id": person.national_id,
        "other_id": person.other_id,
        "phone": ", ".join(number for number, _mobile in person.phones),
        "email": ", ".join(person.emails),
        "street": address[0],
        "postcode": address[3],
        "city": address[1],
    }


def _verdict(level: int, n_levels: int, weight: float | None) -> str:
    if level == 0:
        return "missing"
    if weight is not None and weight < 0:
        return "disagree"
    if level == n_levels - 1:
        return "disagree"
    return "agree" if level == 1 else "partial"


def current_model() -> fs.Model | None:
    """The trained model, or None when there is none yet (never trains one)."""
    path = dedupe.model_path()
    return fs.Model.load(path) if path.exists() else None


def explain_people(a: Person, b: Person, model: fs.Model | None) -> PairExplanation:
    """The explanation of two persons under ``model`` (levels only when it is None)."""
    comparisons = model.comparisons if model is not None else DEFAULT_COMPARISONS
    records = Records.from_people([a, b])
    i, j = np.array([0]), np.array([1])
    out = PairExplanation(a.key, b.key, trained=model is not None)
    if model is not None:
        no_tf = [np.zeros(0) for _c in comparisons]
        scores = fs.score(model, records, i, j, tf=no_tf)
        levels = scores.levels[0].tolist()
        parts: list[float | None] = [float(x) for x in scores.parts[0].tolist()]
        out.weight = float(scores.weight[0])
        out.probability = float(scores.probability[0])
        out.prior_weight = model.prior_weight
        as_strangers = float(scores.parts[0].sum()) + model.prior_weight
        upper, _lower = dedupe.thresholds()
        if out.weight < as_strangers - 1.0 and out.probability < upper:  # the home explains it
            out.household_weight = round(out.weight, 2)
            out.note = _(
                "They share what people of one home share (surnames, address, landline); "
                "only what is personal to each counts."
            )
    else:
        levels = compare(records, i, j, comparisons)[0].tolist()
        parts = [None] * len(comparisons)
        out.note = _("no trained model yet — run lealtad identity train")
    values_a, values_b = _values(a), _values(b)
    for c, level, part in zip(comparisons, levels, parts, strict=True):
        label = c.labels[int(level)]
        out.rows.append(
            ComparisonRow(
                name=c.name,
                label=str(FIELD_LABELS.get(c.name, c.name)),
                value_a=values_a.get(c.name, ""),
                value_b=values_b.get(c.name, ""),
                level=int(level),
                level_label=_(label),
                verdict=_verdict(int(level), c.n_levels, part),
                weight=None if part is None else round(part, 2),
            )
        )
    top = out.max_abs_weight
    for row in out.rows:
        if row.weight is not None and top > 0:
            row.bar = max(1, round(100 * abs(row.weight) / top)) if row.weight else 0
    return out


def explain_pair(
    customer_a: Customer | int, customer_b: Customer | int, model: fs.Model | None = None
) -> PairExplanation:
    """Field by field, why the matcher thinks ``customer_a`` and ``customer_b`` may be one
    person (with the saved model unless one is given)."""
    ids = [c if isinstance(c, int) else c.pk for c in (customer_a, customer_b)]
    people = dedupe.people_by_id(ids)
    a = people.get(ids[0]) or Person(ids[0])
    b = people.get(ids[1]) or Person(ids[1])
    return explain_people(a, b, model if model is not None else current_model())


def explain_many(pairs: list[tuple[int, int]]) -> list[PairExplanation]:
    """:func:`explain_pair` for many pairs, reading the model and the people once."""
    model = current_model()
    people = dedupe.people_by_id([k for pair in pairs for k in pair])
    return [
        explain_people(people.get(a) or Person(a), people.get(b) or Person(b), model)
        for a, b in pairs
    ]
