"""What a cube question is: measures cut by row and column dimensions, filtered, over a date
range, and whose rows a caller may see (:class:`Scope`). Plain values, checked here against
the vocabulary in :mod:`.schema`, so the SQL builder never meets a name it does not know."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from lealtad.olap.schema import DIMENSIONS, GRAINS, MEASURES, PREFERENCE, dimensions_of

MAX_FILTER_VALUES = 500
MAX_DIMENSIONS = 4


class CubeError(ValueError):
    """A question the cube cannot answer; ``parameter`` names the part at fault."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Dimension:
    name: str
    grain: str = ""  # only for ``date``

    @property
    def label(self) -> str:
        return f"{self.name}:{self.grain}" if self.grain else self.name

    @classmethod
    def parse(cls, text: str, parameter: str, default_grain: str = "month") -> Dimension:
        name, _, grain = text.strip().partition(":")
        if name not in DIMENSIONS:
            raise CubeError(parameter, f"unknown dimension {name!r}")
        if name != "date":
            if grain:
                raise CubeError(parameter, f"only date takes a grain, not {name!r}")
            return cls(name)
        grain = grain or default_grain
        if grain not in GRAINS:
            raise CubeError(parameter, f"unknown grain {grain!r} (one of {', '.join(GRAINS)})")
        return cls(name, grain)


@dataclass(frozen=True)
class Scope:
    """The rows a caller may see: ``None`` is every value; an empty set is none at all."""

    stores: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    regions: frozenset[str] | None = None

    def limits(self) -> dict[str, frozenset[str]]:
        found = {"store": self.stores, "channel": self.channels, "region": self.regions}
        return {name: values for name, values in found.items() if values is not None}

    @property
    def unrestricted(self) -> bool:
        return not self.limits()


EVERYTHING = Scope()


@dataclass(frozen=True)
class CubeQuery:
    measures: tuple[str, ...]
    rows: tuple[Dimension, ...] = ()
    columns: tuple[Dimension, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return self.rows + self.columns

    def checked(self) -> CubeQuery:
        """The query, or a :class:`CubeError` naming what is wrong with it."""
        if not self.measures:
            raise CubeError("measures", "name at least one measure")
        for name in self.measures:
            if name not in MEASURES:
                raise CubeError("measures", f"unknown measure {name!r}")
        if len(set(self.measures)) != len(self.measures):
            raise CubeError("measures", "a measure is named twice")
        rows = tuple(Dimension.parse(d.label, "rows") for d in self.rows)
        columns = tuple(Dimension.parse(d.label, "columns") for d in self.columns)
        if (rows, columns) != (self.rows, self.columns):
            return replace(self, rows=rows, columns=columns).checked()
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise CubeError("rows", "a dimension is named twice")
        if len(names) > MAX_DIMENSIONS:
            raise CubeError("rows", f"at most {MAX_DIMENSIONS} dimensions")
        for name, values in self.filters.items():
            if name not in DIMENSIONS or name == "date":
                raise CubeError("filter", f"cannot filter by {name!r}")
            if not values or len(values) > MAX_FILTER_VALUES:
                raise CubeError("filter", f"give 1 to {MAX_FILTER_VALUES} values for {name}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise CubeError("from", "the range starts after it ends")
        for measure in self.measures:
            fact_for(measure, self)
        return self

    def cut_by(self) -> set[str]:
        return {d.name for d in self.dimensions} | set(self.filters)


def fact_for(measure: str, query: CubeQuery) -> str:
    """The fact a measure is read from for this query: the first that has every dimension the
    query cuts by (orders before order lines: fewer rows)."""
    wanted = query.cut_by()
    facts = [f for f in PREFERENCE if f in MEASURES[measure].sql]
    for fact in facts:
        if wanted <= dimensions_of(fact):
            return fact
    missing = sorted(wanted - dimensions_of(facts[-1]))
    raise CubeError("measures", f"{measure} cannot be cut by {', '.join(missing)}")


# Drill down ---------------------------------------------------------------------------------

FINER = {"category": "product", "region": "store", "tier": "segment"}
FINER_GRAIN = {"year": "quarter", "quarter": "month", "month": "day", "week": "day"}


def period(grain: str, start: date) -> tuple[date, date]:
    """The first and last day of the period of ``grain`` that starts on ``start``."""
    if grain == "day":
        return start, start
    if grain == "week":
        return start, start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = start.year * 12 + start.month - 1 + months
    end = date(index // 12, index % 12 + 1, 1) - timedelta(days=1)
    return start, end


def drill_down(query: CubeQuery, dimension: str, value: str, to: str = "") -> CubeQuery:
    """The same question one level finer inside one member: the member becomes a filter (or,
    for a period, the date range) and the dimension is replaced by the finer one."""
    current = next((d for d in query.dimensions if d.name == dimension), None)
    if current is None:
        raise CubeError("drill", f"the query is not cut by {dimension!r}")
    if dimension == "date":
        grain = to or FINER_GRAIN.get(current.grain, "")
        if not grain or GRAINS.index(grain) >= GRAINS.index(current.grain):
            raise CubeError("drill", f"nothing finer than {current.grain}")
        try:
            start, end = period(current.grain, date.fromisoformat(value))
        except ValueError as exc:
            raise CubeError("drill", f"not a date: {value!r}") from exc
        finer = Dimension("date", grain)
        return _swap(query, current, finer, date_from=start, date_to=end)
    child = to or FINER.get(dimension, "")
    if child not in DIMENSIONS or child == dimension:
        raise CubeError("drill", f"nothing finer than {dimension!r}")
    filters = {**query.filters, dimension: (value,)}
    return _swap(query, current, Dimension(child), filters=filters)


def _swap(query: CubeQuery, old: Dimension, new: Dimension, **changes: object) -> CubeQuery:
    rows = tuple(new if d == old else d for d in query.rows)
    columns = tuple(new if d == old else d for d in query.columns)
    return replace(query, rows=rows, columns=columns, **changes).checked()  # type: ignore[arg-type]


def drill_across(query: CubeQuery, measures: tuple[str, ...]) -> CubeQuery:
    """The same cut of another fact (returns, contacts beside revenue): only the measures
    change, so the rows line up member by member."""
    return replace(query, measures=measures).checked()
