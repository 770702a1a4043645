"""Service refusals on the web pages, shown in one place (docs/decisions/0011).

A view calls a service; when the service refuses (:class:`~lealtad.core.errors.DomainError`)
the person sees why, in their language, and nothing was written. Three shapes cover the pages:

* :func:`shown_as_message`: the page goes back where it was (a redirect after a POST) with the
  refusal as an error message; the view's own success steps inside the block are skipped.
* :func:`add_to_form`: the form is shown again with the refusal beside its field, or on top.
* :class:`RefusalMiddleware`: a refusal no view handled answers a small page with the message
  and the status its kind says (409, 404, 422…), never a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise

from lealtad.core.errors import DomainError


@dataclass
class Outcome:
    """What :func:`shown_as_message` caught: the refusal, or ``None`` when all went through."""

    refusal: DomainError | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


@contextmanager
def shown_as_message(
    request: HttpRequest, template: str | Promise | None = None
) -> Iterator[Outcome]:
    """Run the block; a refusal becomes the page's error message instead of a failure.

    The message is the refusal as ``"field: sentence"`` (the field tells which input), set in
    ``template``'s ``%(reason)s`` when the page words it its own way ("Not corrected: …").
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        outcome.refusal = exc
        reason = str(exc)
        messages.error(request, str(template) % {"reason": reason} if template else reason)


def add_to_form(form: forms.BaseForm, exc: DomainError) -> None:
    """Show the refusal on the form: beside the field it names when the form has that field
    (the last part of a dotted path), else above the form."""
    name = exc.field.rsplit(".", 1)[-1] if exc.field else ""
    if name in form.fields:
        form.add_error(name, exc.message)
    else:
        form.add_error(None, str(exc))


class RefusalMiddleware:
    """The last resort: a refusal that leaves a view is a page saying why, with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(request, "refused.html", {"refusal": exception}, status=exception.status)
