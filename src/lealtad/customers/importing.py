"""Customer import from CSV: every row checked first, then the whole file or nothing.

A YAML mapping says which CSV column feeds which field of a canonical ``customer.upserted``
event (see ``docs/import-export.md``). Each row becomes one event whose id is its idempotency
key, so importing the same file twice changes nothing the second time. The file is read twice:
the first pass validates every row and collects every problem with its CSV line number and
column; only a file without problems is read again and ingested, in batches of 1000 inside a
single transaction, so it commits whole or not at all. Nothing is held in memory but a batch.

A bad *optional* profile field (a birth date that is no date, a gender not in the value map,
an extra email that fails) is no problem of the row: the row is imported without it, the field
is set aside as a data-quality issue and listed among the report's warnings with its line and
column (docs/data-quality.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import IO, Any

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rich.progress import Progress, TaskID

from lealtad.channels import services as channel_services
from lealtad.channels.services import EventResult, known_channels, validate
from lealtad.core import normalize
from lealtad.core.audit import Actor
from lealtad.core.envelope import ValidEvent
from lealtad.core.normalize import fold
from lealtad.core.set_aside import FieldIssue
from lealtad.core.yamltext import TextLoader
from lealtad.customers import choices
from lealtad.customers.models import Customer
from lealtad.customers.names import display_name, split_full_name
from lealtad.customers.schemas import CustomerProfile

BATCH = 1000
MAX_PROBLEMS = 10_000
EVENT_TYPE = "customer.upserted"

# Targets a column may feed -------------------------------------------------------------------

CUSTOMER_TARGETS = {
    "customer.email": "email",
    "customer.phone": "phone",
    "customer.national_id": "national_id",
    "customer.card": "card",
    "customer.external_id": "external_ids",
    "customer.name": "name",
}
PROFILE_SCALARS = (
    "kind",
    "given_names",
    "first_surname",
    "second_surname",
    "organization_name",
    "national_id_type",
    "gender",
    "language",
    "marital_status",
    "birth_date",
    "income_band",
    "health_insurance",
    "preferred_channel",
    "lifecycle_status",
)
PROFILE_SPLIT_LISTS = ("payment_methods", "purchase_motives")  # one cell, several values
MULTI_TARGETS = ("profile.phones", "profile.emails")  # several columns may feed these
ADDRESS_FIELDS = (
    "kind",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "valid_from",
    "valid_to",
)
HOUSEHOLD_FIELDS = ("name", "role", "size")
DATE_TARGETS = {"profile.birth_date", "address.valid_from", "address.valid_to"}
PHONE_KINDS = tuple(v for v in choices.PhoneKind.values if v)
CONSENT_TARGETS = {
    f"consent.{c}.{p}" for c in choices.ConsentChannel.values for p in choices.ConsentPurpose.values
}
IGNORE = "ignore"

SCALAR_TARGETS = (
    set(CUSTOMER_TARGETS)
    | {f"profile.{f}" for f in (*PROFILE_SCALARS, *PROFILE_SPLIT_LISTS)}
    | {f"address.{f}" for f in ADDRESS_FIELDS}
    | {f"household.{f}" for f in HOUSEHOLD_FIELDS}
    | CONSENT_TARGETS
)
ALL_TARGETS = SCALAR_TARGETS | set(MULTI_TARGETS)

DEFAULT_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # day/month/year as people write it, or ISO
YES = {"si", "s", "yes", "y", "true", "1", "x", "verdadero", "acepta"}
NO = {"no", "n", "false", "0", "falso", "rechaza"}

# Limits of the tables the values end in (the event schemas do not check all of them).
_NAME_LIMITS = {"given_names": 120, "first_surname": 80, "second_surname": 80}
_DISPLAY_LIMIT = 250
_KEY_LIMITS = {"national_id": 20, "card": 254, "email": 254}
_EXTERNAL_LIMIT = 254
_SYSTEM_LIMIT = 60
_EVENT_ID_LIMIT = 120


# The mapping ---------------------------------------------------------------------------------


class MappingError(ValueError):
    """The mapping file cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ColumnRule:
    """How one CSV column becomes one field."""

    column: str
    target: str
    required: bool = False
    default: str | None = None
    value_map: dict[str, str] | None = None
    date_format: str | None = None
    phone_kind: str = "mobile"
    separator: str = "|"


@dataclass(frozen=True)
class Mapping:
    channel: str
    source_system: str
    columns: tuple[ColumnRule, ...]
    id_column: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    constants: tuple[tuple[str, str], ...] = ()
    other_columns: str = "error"
    apply_changes: bool = False

    @property
    def used_columns(self) -> set[str]:
        used = {rule.column for rule in self.columns}
        if self.id_column:
            used.add(self.id_column)
        return used


_TOP_KEYS = {
    "channel",
    "source_system",
    "id_column",
    "delimiter",
    "encoding",
    "columns",
    "constants",
    "other_columns",
    "apply_changes",
    "date_format",
    "phone_kind",
}
_RULE_KEYS = {"field", "required", "default", "value_map", "date_format", "phone_kind", "separator"}


def load_mapping(text: str, name: str = "mapping") -> Mapping:
    """Parse a mapping; raises :class:`MappingError` listing every problem found."""
    try:
        data = yaml.load(text, Loader=TextLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise MappingError([f"{name}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise MappingError(
            [f"{name}: expected a YAML mapping with channel, source_system, columns"]
        )
    problems: list[str] = []

    def bad(where: str, message: str) -> None:
        problems.append(f"{name}: {where}: {message}")

    for key in sorted(set(map(str, data)) - _TOP_KEYS):
        bad(key, f"unknown option (known: {', '.join(sorted(_TOP_KEYS))})")

    def text_option(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                bad(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            bad(key, "must be a non-empty text")
            return None
        return value.strip()

    channel = text_option("channel", required=True) or ""
    source_system = text_option("source_system", required=True) or ""
    if source_system and (len(source_system) > _SYSTEM_LIMIT or ":" in source_system):
        bad("source_system", f"at most {_SYSTEM_LIMIT} characters and no ':'")
    id_column = text_option("id_column")
    encoding = text_option("encoding") or "utf-8-sig"
    try:
        "".encode(encoding)
    except LookupError:
        bad("encoding", f"unknown encoding {encoding!r} (try utf-8 or cp1252)")
    delimiter = data.get("delimiter")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            bad("delimiter", "must be one character, e.g. ',' or ';' (or 'tab')")
            delimiter = None
    other = data.get("other_columns", "error")
    if other not in ("error", IGNORE):
        bad("other_columns", "must be 'error' or 'ignore'")
    apply_changes = data.get("apply_changes", False)
    if not isinstance(apply_changes, bool):
        bad("apply_changes", "must be true or false")
        apply_changes = False
    date_format = data.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        bad("date_format", "must be a text such as '%d/%m/%Y'")
        date_format = None
    phone_kind = data.get("phone_kind", "mobile")
    if phone_kind not in PHONE_KINDS:
        bad("phone_kind", f"must be one of {', '.join(PHONE_KINDS)}")
        phone_kind = "mobile"

    rules = _rules(data.get("columns"), bad, date_format, phone_kind)
    constants = _constants(data.get("constants"), bad)
    targets = [r.target for r in rules if r.target != IGNORE] + [t for t, _ in constants]
    for target in sorted({t for t in targets if t in SCALAR_TARGETS and targets.count(t) > 1}):
        bad("columns", f"{target} is fed by more than one column or constant")
    if "customer.external_id" in targets and not source_system:
        bad("customer.external_id", "needs source_system")
    if problems:
        raise MappingError(problems)
    return Mapping(
        channel=channel,
        source_system=source_system,
        columns=tuple(rules),
        id_column=id_column,
        delimiter=delimiter,
        encoding=encoding,
        constants=tuple(constants),
        other_columns=other,
        apply_changes=apply_changes,
    )


def _rules(
    columns: Any, bad: Callable[[str, str], None], date_format: str | None, phone_kind: str
) -> list[ColumnRule]:
    if not isinstance(columns, dict) or not columns:
        bad("columns", "is required: a mapping of CSV column → field (e.g. Correo: customer.email)")
        return []
    rules = []
    for column, spec in columns.items():
        where = f"columns.{column}"
        if spec is None or isinstance(spec, str):
            spec = {"field": spec if spec is not None else IGNORE}
        if not isinstance(spec, dict):
            bad(where, "must be a field name or a mapping with 'field:'")
            continue
        for key in sorted(set(map(str, spec)) - _RULE_KEYS):
            bad(where, f"unknown option {key!r} (known: {', '.join(sorted(_RULE_KEYS))})")
        target = spec.get("field")
        if not isinstance(target, str) or target not in (*ALL_TARGETS, IGNORE):
            bad(where, f"unknown field {target!r}; see docs/import-export.md for the fields")
            continue
        value_map = spec.get("value_map")
        if value_map is not None:
            if not isinstance(value_map, dict) or not all(
                isinstance(v, str | type(None)) for v in value_map.values()
            ):
                bad(where, "value_map must map each CSV value to a value (text)")
                value_map = None
            else:
                value_map = {
                    ("" if k is None else str(k)): ("" if v is None else v)
                    for k, v in value_map.items()
                }
        default = spec.get("default")
        if default is not None and not isinstance(default, str | bool):
            bad(where, "default must be a text")
            default = None
        if isinstance(default, bool):
            default = "true" if default else "false"
        required = spec.get("required", False)
        if not isinstance(required, bool):
            bad(where, "required must be true or false")
            required = False
        kind = spec.get("phone_kind", phone_kind)
        if kind not in PHONE_KINDS:
            bad(where, f"phone_kind must be one of {', '.join(PHONE_KINDS)}")
            kind = "mobile"
        fmt = spec.get("date_format", date_format)
        if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
            bad(where, "date_format must be a text such as '%d/%m/%Y'")
            fmt = None
        separator = spec.get("separator", "|")
        if not isinstance(separator, str) or not separator:
            bad(where, "separator must be a non-empty text")
            separator = "|"
        rules.append(
            ColumnRule(
                column=str(column).strip(),
                target=target,
                required=required,
                default=default,
                value_map=value_map,
                date_format=fmt,
                phone_kind=kind,
                separator=separator,
            )
        )
    return rules


def _constants(data: Any, bad: Callable[[str, str], None]) -> list[tuple[str, str]]:
    if data is None:
        return []
    if not isinstance(data, dict):
        bad("constants", "must map fields to values, e.g. address.country: EC")
        return []
    out = []
    for target, value in data.items():
        if target not in ALL_TARGETS:
            bad(f"constants.{target}", "unknown field")
        elif not isinstance(value, str | bool):
            bad(f"constants.{target}", "must be a text")
        else:
            out.append((target, str(value).lower() if isinstance(value, bool) else value))
    return out


# The report ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found and did. ``created`` counts new customers; ``updated`` counts rows
    applied to a customer already on file (or created by an earlier row of the same file);
    ``duplicate`` counts rows whose event was imported before."""

    source: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicate: int = 0
    bad_rows: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more_problems += 1

    def warning(self, text: str) -> None:
        """An optional field set aside (or a phone flagged): the row is imported all the same."""
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(text)
        else:
            self.more_warnings += 1

    def _set_aside_note(self) -> str:
        total = len(self.warnings) + self.more_warnings
        if not total:
            return ""
        return f"; {total} field{'s' if total != 1 else ''} set aside or flagged for review"

    def summary(self) -> str:
        if self.problems:
            total = len(self.problems) + self.more_problems
            more = f" ({self.more_problems} not listed)" if self.more_problems else ""
            rows = f" in {self.bad_rows} of {_n(self.rows, 'row')}" if self.bad_rows else ""
            return (
                f"{self.source}: {total} problem{'s' if total != 1 else ''}{rows}{more}; "
                "nothing was imported"
            )
        if self.dry_run:
            rows = _n(self.rows, "row")
            note = self._set_aside_note()
            return f"{self.source}: dry run, {rows} checked, no problems{note}; nothing written"
        return (
            f"{self.source}: {_n(self.rows, 'row')} imported: {_n(self.created, 'new customer')}, "
            f"{self.updated} updated, {self.duplicate} already imported{self._set_aside_note()}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "duplicate": self.duplicate,
            "bad_rows": self.bad_rows,
            "problems": self.problems,
            "more_problems": self.more_problems,
            "warnings": self.warnings,
            "more_warnings": self.more_warnings,
            "summary": self.summary(),
        }


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Entry points --------------------------------------------------------------------------------

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def import_csv(
    path: Path,
    mapping_path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> ImportReport:
    """Import a CSV file with a YAML mapping file (the ``lealtad customers import`` command)."""
    report = ImportReport(source=path.name, dry_run=dry_run)
    try:
        mapping_text = mapping_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report.problem(f"{mapping_path.name}: cannot read the mapping: {exc}")
        return report
    if not path.is_file():
        report.problem(f"{path}: no such file")
        return report
    return _import(
        lambda: path.open("rb"),
        mapping_text,
        mapping_path.name,
        report,
        progress,
        actor or Actor(label=f"import {path.name}"),
    )


def import_data(
    data: bytes | str | IO[bytes],
    mapping: str,
    *,
    dry_run: bool = False,
    actor: Actor | None = None,
    source: str = "upload.csv",
    allowed_channels: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> ImportReport:
    """Import CSV content (bytes, text or a seekable binary file) with the mapping's YAML text.

    The API uses this for uploads; ``allowed_channels`` (a token's channel scopes, empty for
    any) must include the mapping's channel.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    opener: Opener
    if isinstance(data, str):
        raw = data.encode("utf-8")
        opener = lambda: io.BytesIO(raw)  # noqa: E731
    elif isinstance(data, bytes):
        opener = lambda: io.BytesIO(data)  # noqa: E731
    else:
        handle = data

        def opener() -> AbstractContextManager[IO[bytes]]:
            handle.seek(0)
            return nullcontext(handle)

    return _import(
        opener,
        mapping,
        "mapping",
        report,
        progress,
        actor or Actor(label=f"import {source}"),
        allowed_channels,
        text_input=isinstance(data, str),
    )


def _import(
    opener: Opener,
    mapping_text: str,
    mapping_name: str,
    report: ImportReport,
    progress: Progress | None,
    actor: Actor,
    allowed_channels: frozenset[str] = frozenset(),
    text_input: bool = False,
) -> ImportReport:
    try:
        mapping = load_mapping(mapping_text, mapping_name)
    except MappingError as exc:
        for problem in exc.problems:
            report.problem(problem)
        return report
    if text_input:  # already decoded: the mapping's encoding no longer applies
        mapping = replace(mapping, encoding="utf-8")
    channels = known_channels()
    if mapping.channel not in channels:
        report.problem(
            f"{mapping_name}: channel: unknown channel {mapping.channel!r}; use a built-in "
            "channel (pos, web, call_center, …) or register the system first"
        )
        return report
    if allowed_channels and mapping.channel not in allowed_channels:
        report.problem(f"{mapping_name}: channel: you may not send for {mapping.channel!r}")
        return report
    builder = _RowBuilder(mapping, report.source, timezone.now())
    _check(opener, mapping, builder, report, progress, channels)
    if report.problems or report.dry_run:
        return report
    _write(opener, mapping, builder, report, progress, actor, channels)
    return report


# Reading -------------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


class _Unreadable(Exception):
    """The file cannot be read as CSV at all (encoding, header)."""


@contextmanager
def _table(opener: Opener, mapping: Mapping, report: ImportReport) -> Iterator[_Table]:
    with opener() as raw:
        text = io.TextIOWrapper(raw, encoding=mapping.encoding, newline="")
        try:
            yield _read(text, mapping, report)
        finally:
            text.detach()  # the opener owns the binary handle


def _read(text: IO[str], mapping: Mapping, report: ImportReport) -> _Table:
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise _Unreadable(_decode_message(1, mapping, exc)) from exc
    if not first.strip():
        raise _Unreadable("line 1: the file is empty or has no header row")
    delimiter = mapping.delimiter or _guess_delimiter(first)
    reader = csv.reader(chain([first], text), delimiter=delimiter)
    try:
        header = [h.strip().removeprefix("\ufeff").strip() for h in next(reader)]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _Unreadable(f"line 1: cannot read the header: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _Unreadable(_decode_message(start, mapping, exc)) from exc
            except csv.Error as exc:
                report.bad_rows += 1
                report.problem(f"line {start}: cannot read this CSV row: {exc}")
                continue
            if any(c.strip() for c in cells):
                yield start, cells

    return _Table(header, rows())


def _decode_message(line: int, mapping: Mapping, exc: UnicodeDecodeError) -> str:
    return (
        f"line {line} or after: the file is not valid {mapping.encoding} text ({exc.reason}); "
        "save it as UTF-8, or set e.g. `encoding: cp1252` in the mapping for an Excel/Windows file"
    )


def _guess_delimiter(first_line: str) -> str:
    """The most frequent of , ; tab | in the header line (Spanish Excel writes ';')."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_problems(header: list[str], mapping: Mapping, report: ImportReport) -> bool:
    before = len(report.problems)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            report.problem(f"line 1, column {name!r}: appears twice in the header")
        seen.add(name)
    for name in sorted(mapping.used_columns - set(header)):
        report.problem(
            f"line 1, column {name!r}: the mapping uses this column but the CSV header lacks it "
            f"(the header has: {', '.join(repr(h) for h in header)})"
        )
    if mapping.other_columns == "error":
        for name in header:
            if name and name not in mapping.used_columns:
                report.problem(
                    f"line 1, column {name!r}: not in the mapping; map it, map it to "
                    "'ignore', or set `other_columns: ignore`"
                )
    return len(report.problems) > before or report.more_problems > 0


# Rows → events -------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    event: dict[str, Any]
    where: dict[str, tuple[str, str]]  # error path prefix → (column, target)
    problems: list[str]
    set_aside: list[FieldIssue] = field(default_factory=list)


class _RowBuilder:
    def __init__(self, mapping: Mapping, source: str, occurred_at: datetime) -> None:
        self.mapping = mapping
        self.source = source
        self.occurred_at = occurred_at.isoformat()

    def build(self, line: int, header: list[str], cells: list[str]) -> _Row:
        row = _Row(line, {}, {}, [])
        if len(cells) != len(header):
            row.problems.append(
                f"line {line}: {len(cells)} cells but the header has {len(header)} columns "
                "(a value with the delimiter or a line break needs quotes)"
            )
            return row
        values = dict(zip(header, cells, strict=True))
        customer: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        address: dict[str, Any] = {}
        household: dict[str, Any] = {}
        filled: set[str] = set()

        def put(target: str, value: str, column: str, rule: ColumnRule | None) -> None:
            group, _, name = target.partition(".")
            label = (column, target)
            filled.add(target)
            if target in CUSTOMER_TARGETS:
                key = CUSTOMER_TARGETS[target]
                if key == "external_ids":
                    customer["external_ids"] = {self.mapping.source_system: value}
                else:
                    customer[key] = value
                row.where[f"customer.{key}"] = label
            elif target == "profile.phones":
                kind = rule.phone_kind if rule else "mobile"
                row.where[f"payload.phones.{len(payload.setdefault('phones', []))}"] = label
                payload["phones"].append({"number": value, "kind": kind})
            elif target == "profile.emails":  # a bad one is set aside by the schema
                row.where[f"payload.emails.{len(payload.setdefault('emails', []))}"] = label
                payload["emails"].append(value)
            elif group == "profile" and name in PROFILE_SPLIT_LISTS:
                sep = rule.separator if rule else "|"
                payload[name] = [v.strip() for v in value.split(sep) if v.strip()]
                row.where[f"payload.{name}"] = label
            elif group == "profile":
                payload[name] = value
                row.where[f"payload.{name}"] = label
            elif group == "address":
                address[name] = value
                row.where[f"payload.addresses.0.{name}"] = label
            elif group == "household":
                household[name] = value
                row.where[f"payload.household.{name}"] = label
            elif group == "consent":
                channel, _, purpose = name.partition(".")
                granted = self._yes_no(value)
                if granted is None:
                    row.problems.append(
                        _where(line, label, f"{value!r} is neither yes (sí/si/1/x) nor no (no/0)")
                    )
                    return
                consents = payload.setdefault("consents", [])
                row.where[f"payload.consents.{len(consents)}"] = label
                consents.append(
                    {
                        "channel": channel,
                        "purpose": purpose,
                        "granted": granted,
                        "method": f"import {self.source}"[:120],
                    }
                )

        for rule in self.mapping.columns:
            if rule.target == IGNORE:
                continue
            value = self._cell(line, rule, values[rule.column], row)
            if value:
                put(rule.target, value, rule.column, rule)
        # Constants complete an address or household the row has; they never make one up.
        cell_groups = {t.partition(".")[0] for t in filled}
        for target, constant in self.mapping.constants:
            if target not in filled or target in MULTI_TARGETS:
                label = (f"constants.{target}", target)
                value = self._convert(line, label, constant, None, row, mapped=True)
                if value:
                    put(target, value, label[0], None)
        if address and "address" in cell_groups:
            payload["addresses"] = [address]
        if household and "household" in cell_groups:
            if "size" in household:
                size = household["size"]
                if not size.isdigit():
                    reason = f"{size!r} is not a whole number"
                    row.set_aside.append(FieldIssue("payload.household.size", size, reason))
                    del household["size"]
                else:
                    household["size"] = int(size)
            payload["household"] = household
        event_id = self._event_id(line, values, row)
        row.event = {
            "id": event_id,
            "type": EVENT_TYPE,
            "channel": self.mapping.channel,
            "occurred_at": self.occurred_at,
            "customer": customer,
            "payload": payload,
        }
        return row

    def _cell(self, line: int, rule: ColumnRule, raw: str, row: _Row) -> str:
        label = (rule.column, rule.target)
        value = raw.strip()
        control = normalize.control_character(value)
        if control:
            row.problems.append(
                _where(line, label, f"contains the control character U+{ord(control):04X}")
            )
            return ""
        mapped = False  # a default or a value_map's "" entry is already a field value
        if not value and rule.default is not None:
            value, mapped = rule.default, True
        if not value and rule.value_map is not None and "" in rule.value_map:
            value, mapped = rule.value_map[""], True
        if not value:
            if rule.required:
                row.problems.append(_where(line, label, "is required but empty"))
            return ""
        return self._convert(line, label, value, rule, row, mapped)

    def _convert(
        self,
        line: int,
        label: tuple[str, str],
        value: str,
        rule: ColumnRule | None,
        row: _Row,
        mapped: bool = False,
    ) -> str:
        target = label[1]
        if rule is not None and rule.value_map is not None and not mapped:
            found = _lookup(rule.value_map, value)
            if found is None:
                known = ", ".join(repr(k) for k in rule.value_map)
                self._refuse(line, label, value, f"{value!r} is not one of {known}", row)
                return ""
            value = found
            if not value:
                return ""
        if target in DATE_TARGETS:
            formats = (rule.date_format,) if rule and rule.date_format else DEFAULT_DATE_FORMATS
            parsed = _date(value, formats)
            if parsed is None:
                shown = " or ".join(_human(f) for f in formats)
                hint = " (day/month/year)" if formats == DEFAULT_DATE_FORMATS else ""
                reason = f"{value!r} is not a date in the form {shown}{hint}"
                self._refuse(line, label, value, reason, row)
                return ""
            return parsed.isoformat()
        return value

    @staticmethod
    def _refuse(line: int, label: tuple[str, str], value: str, reason: str, row: _Row) -> None:
        """A cell that cannot be converted: an optional profile field is set aside (the row
        is imported without it, docs/data-quality.md); any other refuses the row."""
        path = _optional_path(label[1])
        if path is None:
            row.problems.append(_where(line, label, reason))
        else:
            row.set_aside.append(FieldIssue(path, value, reason))
            row.where.setdefault(path, label)

    @staticmethod
    def _yes_no(value: str) -> bool | None:
        folded = fold(value)
        if folded in YES:
            return True
        if folded in NO:
            return False
        return None

    def _event_id(self, line: int, values: dict[str, str], row: _Row) -> str:
        system = self.mapping.source_system
        mapped = sorted(
            (r.column, values[r.column].strip()) for r in self.mapping.columns if r.target != IGNORE
        )
        digest = hashlib.sha256(json.dumps(mapped, ensure_ascii=False).encode()).hexdigest()
        if self.mapping.id_column is None:
            return f"import:{system}:row-{digest[:32]}"
        key = values[self.mapping.id_column].strip()
        if not key:
            row.problems.append(
                f"line {line}, column {self.mapping.id_column!r} (id_column): is empty; every row "
                "needs its id"
            )
            key = "?"
        event_id = f"import:{system}:{key}"
        if self.mapping.apply_changes:
            event_id = f"{event_id}:{digest[:16]}"
        if len(event_id) > _EVENT_ID_LIMIT:
            row.problems.append(
                f"line {line}, column {self.mapping.id_column!r} (id_column): the id is too long "
                f"(the import key import:{system}:<id> may have {_EVENT_ID_LIMIT} characters)"
            )
        return event_id


def _optional_path(target: str) -> str | None:
    """Where an optional field of ``customer.upserted`` a target feeds sits in the event."""
    group, _, name = target.partition(".")
    if group == "profile" and name in CustomerProfile.SET_ASIDE:
        return f"payload.{name}"
    if group == "address":
        return f"payload.addresses.0.{name}"
    if group == "household":
        return f"payload.household.{name}"
    return None


def _lookup(value_map: dict[str, str], value: str) -> str | None:
    if value in value_map:
        return value_map[value]
    folded = fold(value)
    for key, mapped in value_map.items():
        if fold(key) == folded:
            return mapped
    return None


def _date(value: str, formats: tuple[str, ...]) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _human(fmt: str) -> str:
    for code, text in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY")):
        fmt = fmt.replace(code, text)
    return fmt


def _where(line: int, label: tuple[str, str], message: str) -> str:
    column, target = label
    if column.startswith("constants."):
        return f"line {line}, {column}: {message}"
    return f"line {line}, column {column!r} ({target}): {message}"


def _locate(line: int, row: _Row, path: str, message: str) -> str:
    """Name the CSV column an error path of the event came from."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        found = row.where.get(".".join(parts[:end]))
        if found:
            return _where(line, found, message)
    if path == "customer":
        message = (
            "the row has no identifier (email, phone, national id, card, external id) nor name"
        )
    readable = path.replace("payload.addresses.0", "address").replace("payload.", "profile.")
    return f"line {line}, field {readable}: {message}"


def _limits(line: int, row: _Row, event: ValidEvent) -> list[str]:
    """Values the event schema lets through but the customer tables cannot hold."""
    ref, profile = event.envelope.customer, event.payload
    assert isinstance(profile, CustomerProfile)
    problems = []
    for key, limit in _KEY_LIMITS.items():
        value = getattr(ref, key)
        if value and len(value) > limit:
            problems.append(_locate(line, row, f"customer.{key}", f"longer than {limit}"))
    for value in ref.external_ids.values():
        if len(value) > _EXTERNAL_LIMIT:
            msg = f"longer than {_EXTERNAL_LIMIT}"
            problems.append(_locate(line, row, "customer.external_ids", msg))
    if profile.given_names or profile.first_surname or profile.organization_name:
        names = (
            profile.given_names or "",
            profile.first_surname or "",
            profile.second_surname or "",
        )
        path = "payload.given_names"
    else:
        names = split_full_name(ref.name or "")
        path = "customer.name"
        for part, (name, limit) in zip(names, _NAME_LIMITS.items(), strict=True):
            if len(part) > limit:
                msg = f"the {name.replace('_', ' ')} part is longer than {limit} characters"
                problems.append(_locate(line, row, path, msg))
    shown = display_name(*names, profile.organization_name or "")
    if len(shown) > _DISPLAY_LIMIT:
        msg = f"the full name is longer than {_DISPLAY_LIMIT} characters"
        problems.append(_locate(line, row, path, msg))
    return problems


# The two passes ------------------------------------------------------------------------------


def _check(
    opener: Opener,
    mapping: Mapping,
    builder: _RowBuilder,
    report: ImportReport,
    progress: Progress | None,
    channels: set[str],
) -> None:
    task = progress.add_task(f"checking {report.source}", total=None) if progress else None
    ids: dict[str, int] = {}
    try:
        with _table(opener, mapping, report) as table:
            if _header_problems(table.header, mapping, report):
                return
            for line, cells in table.rows:
                report.rows += 1
                problems, warnings = _problems(builder, line, table.header, cells, channels)
                for warning in warnings:
                    report.warning(warning)
                event_id = _event_id_of(builder, table.header, cells)
                if mapping.id_column and event_id and not problems:
                    first = ids.setdefault(event_id, line)
                    if first != line:
                        problems.append(
                            f"line {line}, column {mapping.id_column!r} (id_column): the same id "
                            f"as line {first}"
                        )
                if problems:
                    report.bad_rows += 1
                    for problem in problems:
                        report.problem(problem)
                _advance(progress, task)
    except _Unreadable as exc:
        report.problem(str(exc))
    finally:
        if progress is not None and task is not None:
            progress.update(task, total=report.rows, completed=report.rows)


def _problems(
    builder: _RowBuilder, line: int, header: list[str], cells: list[str], channels: set[str]
) -> tuple[list[str], list[str]]:
    """The row's problems (it would be refused) and warnings (fields set aside or flagged)."""
    row = builder.build(line, header, cells)
    if not row.event:
        return row.problems, []
    # Cells already found bad are left out of the event; the schema checks all the others.
    checked = validate(row.event, channels, frozenset())
    if isinstance(checked, EventResult):
        errors = [e for e in checked.errors if not (row.problems and e["field"] == "customer")]
        return row.problems + [_locate(line, row, e["field"], e["message"]) for e in errors], []
    warnings = [
        _locate(line, row, issue.path, issue.as_warning()["message"])
        for issue in (*row.set_aside, *checked.issues)
    ]
    return row.problems + _limits(line, row, checked), warnings


def _event_id_of(builder: _RowBuilder, header: list[str], cells: list[str]) -> str | None:
    if len(cells) != len(header):
        return None
    values = dict(zip(header, cells, strict=True))
    if builder.mapping.id_column is None or not values[builder.mapping.id_column].strip():
        return None
    return f"{builder.mapping.source_system}:{values[builder.mapping.id_column].strip()}"


class _Abort(Exception):
    """Roll the import back: something went wrong although the check pass found nothing."""


def _write(
    opener: Opener,
    mapping: Mapping,
    builder: _RowBuilder,
    report: ImportReport,
    progress: Progress | None,
    actor: Actor,
    channels: set[str],
) -> None:
    task = progress.add_task(f"importing {report.source}", total=report.rows) if progress else None
    counts = {"created": 0, "updated": 0, "duplicate": 0}
    try:
        with transaction.atomic(), _table(opener, mapping, report) as table:
            batch: list[tuple[int, dict[str, Any], list[FieldIssue]]] = []
            for line, cells in table.rows:
                row = builder.build(line, table.header, cells)
                if row.problems:
                    raise _Abort(row.problems[0])
                batch.append((line, row.event, row.set_aside))
                if len(batch) >= BATCH:
                    _ingest(batch, actor, counts)
                    _advance(progress, task, len(batch))
                    batch = []
            if batch:
                _ingest(batch, actor, counts)
                _advance(progress, task, len(batch))
            if report.problems:  # a row the reader could not parse this time
                raise _Abort(report.problems[0])
    except (_Abort, _Unreadable) as exc:
        if not report.problems:
            report.problem(str(exc))
        return
    report.created, report.updated, report.duplicate = (
        counts["created"],
        counts["updated"],
        counts["duplicate"],
    )
    report.written = True


def _ingest(
    batch: list[tuple[int, dict[str, Any], list[FieldIssue]]],
    actor: Actor,
    counts: dict[str, int],
) -> None:
    newest = Customer.objects.aggregate(newest=Max("pk"))["newest"] or 0
    results = channel_services.ingest(
        [event for _, event, _ in batch], actor, set_aside_before=[s for _, _, s in batch]
    )
    new_customers: set[int] = set()
    for (line, _, _), result in zip(batch, results, strict=True):
        if result.status == channel_services.REJECTED:
            first = result.errors[0] if result.errors else {"field": "(event)", "message": "?"}
            raise _Abort(f"line {line}, field {first['field']}: {first['message']}")
        if result.status == channel_services.DUPLICATE:
            counts["duplicate"] += 1
        elif result.customer_id is not None and result.customer_id > newest:
            if result.customer_id in new_customers:
                counts["updated"] += 1
            new_customers.add(result.customer_id)
        else:
            counts["updated"] += 1
    counts["created"] += len(new_customers)


def _advance(progress: Progress | None, task: TaskID | None, steps: int = 1) -> None:
    if progress is not None and task is not None:
        progress.advance(task, steps)
