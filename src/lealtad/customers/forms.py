"""Forms of the customer pages.

Django forms render the fields and parse what people type (dates as dd/mm/yyyy in Spanish);
the pydantic input models of :mod:`lealtad.customers.schemas` stay the one place that decides
what is valid, so a page and the API refuse the same things with the same rules. Their
``ValidationError`` comes back as field errors on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ValidationError

from lealtad.core import normalize
from lealtad.core.envelope import CustomerRef
from lealtad.customers import choices
from lealtad.customers.schemas import (
    AddressIn,
    ConsentIn,
    CustomerProfile,
    InteractionRecorded,
    PhoneIn,
)

LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("qu", _("Quechua / Kichwa")),
    ("pt", _("Portuguese")),
]
DATE_HELP = _("dd/mm/yyyy")


DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]


def _date_field(label: str | Any, required: bool = False) -> forms.DateField:
    """Day/month/year in every language of the UI (LOCALE.md), ISO accepted too."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": DATE_HELP, "inputmode": "numeric"}
        ),
        help_text=DATE_HELP,
    )


def _blank_first(values: type[Any]) -> list[tuple[str, Any]]:
    """Choices with the 'not stated' (empty) entry first."""
    items = list(values.choices)
    empty = [c for c in items if c[0] == ""] or [("", "—")]
    return empty + [c for c in items if c[0] != ""]


def _list_text(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class SchemaForm(forms.Form):
    """A form whose cleaned data is checked once more by a pydantic schema."""

    schema: type[BaseModel]

    def to_schema(self, data: dict[str, Any]) -> BaseModel | None:
        """The schema instance, or None with the problems added to the form's errors."""
        try:
            return self.schema.model_validate(data)
        except ValidationError as exc:
            self.add_schema_errors(exc)
            return None
        except normalize.InvalidValue as exc:
            self.add_error(None, str(exc))
            return None

    def add_schema_errors(self, exc: ValidationError, prefix: str = "") -> None:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            if prefix and loc and loc[0] == prefix:
                loc = loc[1:]
            name = loc[0] if loc else None
            message = err["msg"].removeprefix("Value error, ")
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)
            elif name not in self.fields:
                self.add_error(None, message)


class CustomerCreateForm(SchemaForm):
    """What the agent or clerk types to register a new customer."""

    schema = CustomerProfile

    kind = forms.ChoiceField(label=_("Type"), choices=choices.Kind.choices, initial="person")
    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    first_surname = forms.CharField(label=_("First surname"), max_length=80, required=False)
    second_surname = forms.CharField(label=_("Second surname"), max_length=80, required=False)
    organization_name = forms.CharField(
        label=_("Organization name"), max_length=200, required=False
    )
    national_id = forms.CharField(label=_("National id"), max_length=20, required=False)
    national_id_type = forms.ChoiceField(
        label=_("National id type"),
        choices=[("", _("Guess from the number")), *list(choices.NationalIdType.choices)],
        required=False,
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=_blank_first(choices.Gender), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="es")
    lifecycle_status = forms.ChoiceField(
        label=_("Status"), choices=choices.LifecycleStatus.choices, initial="prospect"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (
            data.get("given_names") or data.get("first_surname") or data.get("organization_name")
        ):
            raise forms.ValidationError(gettext("Give a name or an organization name."))
        return data

    def build(self) -> tuple[CustomerProfile, CustomerRef] | None:
        """Validated profile and identifiers, or None with the errors on the form."""
        data = self.cleaned_data
        try:
            name = " ".join(
                data[k]
                for k in ("given_names", "first_surname", "second_surname", "organization_name")
                if data[k]
            )
            ref = CustomerRef(
                name=name or None,
                email=data["email"] or None,
                phone=data["phone"] or None,
                national_id=data["national_id"] or None,
                national_id_type=data["national_id_type"] or None,
            )
        except ValidationError as exc:
            self.add_schema_errors(exc)
            return None
        except normalize.InvalidValue as exc:
            self.add_error(None, str(exc))
            return None
        profile = self.to_schema(
            {
                name: data[name]
                for name in (
                    "kind",
                    "given_names",
                    "first_surname",
                    "second_surname",
                    "organization_name",
                    "gender",
                    "language",
                    "lifecycle_status",
                )
            }
            | {"national_id_type": data["national_id_type"] or None}
        )
        if profile is None:
            return None
        assert isinstance(profile, CustomerProfile)
        return profile, ref


class ProfileForm(SchemaForm):
    """The general data of the customer record (seed 002's agent screen, seed 003's ficha)."""

    schema = CustomerProfile

    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    first_surname = forms.CharField(label=_("First surname"), max_length=80, required=False)
    second_surname = forms.CharField(label=_("Second surname"), max_length=80, required=False)
    organization_name = forms.CharField(
        label=_("Organization name"), max_length=200, required=False
    )
    national_id = forms.CharField(label=_("National id"), max_length=20, required=False)
    national_id_type = forms.ChoiceField(
        label=_("National id type"),
        choices=[("", _("Guess from the number")), *list(choices.NationalIdType.choices)],
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=_blank_first(choices.Gender), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=_blank_first(choices.MaritalStatus), required=False
    )
    birth_date = _date_field(_("Birth date"))
    income_band = forms.ChoiceField(
        label=_("Income band"), choices=_blank_first(choices.IncomeBand), required=False
    )
    payment_methods = forms.CharField(
        label=_("Payment methods"),
        required=False,
        help_text=_("Separated by commas"),
        max_length=500,
    )
    purchase_motives = forms.CharField(
        label=_("Purchase motives"),
        required=False,
        help_text=_("Separated by commas"),
        max_length=500,
    )
    health_insurance = forms.CharField(label=_("Health insurance"), max_length=120, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"),
        choices=[("", "—"), *list(choices.Channel.choices)],
        required=False,
    )
    lifecycle_status = forms.ChoiceField(label=_("Status"), choices=choices.LifecycleStatus.choices)
    new_phone = forms.CharField(
        label=_("Add a phone number"),
        max_length=40,
        required=False,
        help_text=_("Optional; saved with the profile"),
    )

    def clean_new_phone(self) -> PhoneIn | None:
        raw = self.cleaned_data["new_phone"].strip()
        if not raw:
            return None
        try:
            return PhoneIn(number=raw)
        except ValidationError as exc:
            why = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise forms.ValidationError(gettext("Not a valid phone number.") + f" ({why})") from exc
        except normalize.InvalidValue as exc:
            raise forms.ValidationError(gettext("Not a valid phone number.") + f" ({exc})") from exc

    @classmethod
    def initial_for(cls, customer: Any) -> dict[str, Any]:
        initial = {name: getattr(customer, name) for name in cls.base_fields if name != "new_phone"}
        initial["payment_methods"] = _list_text(customer.payment_methods)
        initial["purchase_motives"] = _list_text(customer.purchase_motives)
        return initial

    def changes(self) -> dict[str, Any] | None:
        """The validated new values of every field, or None with errors on the form."""
        data = dict(self.cleaned_data)
        data.pop("new_phone", None)
        data["payment_methods"] = _split(data["payment_methods"])
        data["purchase_motives"] = _split(data["purchase_motives"])
        national_id = data.pop("national_id").strip()
        data["national_id_type"] = data["national_id_type"] or None
        if national_id:
            try:
                normalize.national_id(national_id, data["national_id_type"] or "")
            except normalize.InvalidValue as exc:
                self.add_error("national_id", str(exc))
                return None
        profile = self.to_schema({k: v for k, v in data.items()})
        if profile is None:
            return None
        dumped = profile.model_dump()
        changes: dict[str, Any] = {
            name: ("" if dumped[name] is None and name != "birth_date" else dumped[name])
            for name in self.fields
            if name in dumped and name != "national_id_type"
        }
        changes["national_id"] = national_id
        changes["national_id_type"] = data["national_id_type"] or ""
        return changes


class PhoneForm(SchemaForm):
    schema = PhoneIn

    number = forms.CharField(label=_("Phone number"), max_length=40)
    kind = forms.ChoiceField(label=_("Type"), choices=choices.PhoneKind.choices)

    def to_phone(self) -> PhoneIn | None:
        try:
            return PhoneIn(**self.cleaned_data)
        except ValidationError as exc:
            for err in exc.errors():
                message = err["msg"].removeprefix("Value error, ")
                self.add_error("number", gettext("Not a valid phone number.") + f" ({message})")
            return None
        except normalize.InvalidValue as exc:
            self.add_error("number", gettext("Not a valid phone number.") + f" ({exc})")
            return None


class EmailForm(forms.Form):
    address = forms.CharField(label=_("Email address"), max_length=254)

    def clean_address(self) -> str:
        try:
            return normalize.email(self.cleaned_data["address"])
        except normalize.InvalidValue as exc:
            raise forms.ValidationError(
                gettext("Not a valid email address.") + f" ({exc})"
            ) from exc


class AddressForm(SchemaForm):
    schema = AddressIn

    kind = forms.ChoiceField(label=_("Type"), choices=choices.AddressKind.choices)
    line1 = forms.CharField(label=_("Street"), max_length=200)
    line2 = forms.CharField(label=_("Reference"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Province / state"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, initial="EC")
    valid_from = _date_field(_("Valid from"))
    valid_to = _date_field(_("Valid to"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", gettext("The end date is before the start date."))
        return data

    def to_address(self) -> AddressIn | None:
        found = self.to_schema(self.cleaned_data)
        assert found is None or isinstance(found, AddressIn)
        return found


class ConsentForm(SchemaForm):
    schema = ConsentIn

    channel = forms.ChoiceField(label=_("Channel"), choices=choices.ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=choices.ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Gives consent")), ("no", _("Refuses / withdraws"))],
        coerce=lambda v: v == "yes",
    )
    method = forms.CharField(
        label=_("How it was given"),
        max_length=120,
        required=False,
        help_text=_("e.g. at the counter, on the phone"),
    )
    proof = forms.ChoiceField(
        label=_("Proof"),
        required=False,
        choices=[("", _("None (withdrawal only)"))]
        + [c for c in choices.ConsentProof.choices if c[0] != choices.ConsentProof.CHANNEL_EVENT],
        help_text=_(
            "A consent given needs its proof. Double opt-in sends the customer a link to "
            "confirm (email only)."
        ),
    )
    proof_reference = forms.CharField(
        label=_("Proof reference"),
        max_length=200,
        required=False,
        help_text=_("The signed form's number or the recorded call's id."),
    )

    def to_consent(self) -> ConsentIn | None:
        data = {**self.cleaned_data, "proof": self.cleaned_data.get("proof") or None}
        found = self.to_schema(data)
        assert found is None or isinstance(found, ConsentIn)
        return found


class InteractionForm(SchemaForm):
    schema = InteractionRecorded

    channel = forms.ChoiceField(
        label=_("Channel"), choices=choices.Channel.choices, initial="call_center"
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=choices.Direction.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=10000, required=False, widget=forms.Textarea({"rows": 4})
    )
    location = forms.CharField(label=_("Location"), max_length=150, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("subject") or data.get("summary")):
            raise forms.ValidationError(gettext("Write a subject or a summary."))
        return data

    def to_interaction(self, agent: str) -> InteractionRecorded | None:
        data = {k: v for k, v in self.cleaned_data.items() if k != "channel"}
        found = self.to_schema({**data, "kind": "note", "agent": agent})
        assert found is None or isinstance(found, InteractionRecorded)
        return found


REVIEW_DECISIONS = ("merged", "distinct", "deferred")
