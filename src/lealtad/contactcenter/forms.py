"""The contact center's forms: the desktop's call controls and wrap-up, and the supervisor's
configuration. They check the input's shape; the services decide and refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter import selectors
from lealtad.contactcenter.choices import Outcome, QueueLevel


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


STATE_CHOICES = (
    ("available", _("Available")),
    ("break", _("Break")),
    ("training", _("Training")),
    ("admin", _("Admin")),
)


class WrapUpForm(forms.Form):
    code = forms.ChoiceField(label=_("Wrap-up code"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    follow_up_on = forms.DateField(
        label=_("Follow-up date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Needed for a commitment."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    open_case = forms.BooleanField(
        label=_("Open a service case for it"),
        required=False,
        help_text=_("The service desk takes it on, with these notes, within its SLA."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = [(c.code, c.label) for c in selectors.wrap_up_codes()]
        _choices(self, "code", [("", "—"), *codes])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.COMMITMENT and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _("A commitment needs a follow-up date."))
        return data


class TransferForm(forms.Form):
    queue = forms.ChoiceField(label=_("Transfer to queue"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "queue", [(q.name, q.label or q.name) for q in selectors.queues()])


class ConferenceForm(forms.Form):
    party = forms.CharField(label=_("Add to the call"), max_length=120)


class LinkForm(forms.Form):
    customer_id = forms.IntegerField(label=_("Customer number"), min_value=1)


class SkillForm(forms.Form):
    name = forms.SlugField(label=_("Code"), max_length=60)
    label = forms.CharField(label=_("Name"), max_length=120, required=False)


class QueueForm(forms.Form):
    name = forms.SlugField(label=_("Code"), max_length=60)
    label = forms.CharField(label=_("Name"), max_length=120, required=False)
    skill = forms.ChoiceField(label=_("Skill"))
    level = forms.TypedChoiceField(
        label=_("Tier"), choices=QueueLevel.choices, coerce=int, initial=1
    )
    min_proficiency = forms.IntegerField(
        label=_("Lowest proficiency"), min_value=1, max_value=10, initial=1
    )
    relax_after_seconds = forms.IntegerField(
        label=_("Any agent with the skill after (s)"),
        min_value=0,
        max_value=86400,
        required=False,
        initial=60,
    )
    service_level_seconds = forms.IntegerField(
        label=_("Service level: answered within (s)"), min_value=1, max_value=86400, initial=15
    )
    service_level_target = forms.FloatField(
        label=_("Service level target (0-1)"), min_value=0.01, max_value=1, initial=0.8
    )
    overflow_after = forms.IntegerField(
        label=_("Overflow after (s)"), min_value=1, max_value=86400, required=False
    )
    overflow_to = forms.ChoiceField(label=_("Overflow to queue"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "skill", [(s.name, s.label or s.name) for s in selectors.skills()])
        _choices(
            self,
            "overflow_to",
            [("", "—")] + [(q.name, q.label or q.name) for q in selectors.queues()],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("overflow_after")) != bool(data.get("overflow_to")):
            self.add_error(
                "overflow_to", _("Give both the seconds and the queue to overflow to, or neither.")
            )
        return data

    def overflows(self) -> list[tuple[int, str]]:
        data = self.cleaned_data
        if data.get("overflow_after") and data.get("overflow_to"):
            return [(int(data["overflow_after"]), str(data["overflow_to"]))]
        return []


class AgentSkillsForm(forms.Form):
    """An agent's skills as ``name=proficiency`` pairs, one per line or comma-separated."""

    name = forms.CharField(label=_("Name"), max_length=150)
    team = forms.CharField(label=_("Team"), max_length=80, required=False)
    skills = forms.CharField(
        label=_("Skills (skill=proficiency 1-10)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    max_total = forms.IntegerField(
        label=_("Most contacts at once"), min_value=1, max_value=20, initial=3
    )

    def clean_skills(self) -> dict[str, int]:
        raw = self.cleaned_data.get("skills", "")
        known = {s.name for s in selectors.skills()}
        found: dict[str, int] = {}
        for n, part in enumerate(p.strip() for p in raw.replace("\n", ",").split(",")):
            if not part:
                continue
            name, sep, level = part.partition("=")
            name = name.strip()
            if not sep or not level.strip().isdigit() or not 1 <= int(level) <= 10:
                raise forms.ValidationError(
                    _("Entry %(n)s (%(part)s): write skill=proficiency, 1 to 10."),
                    params={"n": n + 1, "part": part[:40]},
                )
            if name not in known:
                raise forms.ValidationError(
                    _("Entry %(n)s: there is no skill %(name)s."),
                    params={"n": n + 1, "name": name[:40]},
                )
            found[name] = int(level)
        return found
