"""Query and form parameters: one value each, unless the operation takes a list.

Ninja reads ``?location=a&location=b`` for a single-valued parameter as its last value, so
the request is answered for ``b`` while the client, a proxy or a log may read ``a`` (HTTP
parameter pollution), and the OpenAPI document says the parameter is not an array. A
parameter given more than once is refused with 422, naming it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser


class OneValueParser(Parser):
    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        where = "query" if data is request.GET else "form"
        repeated = [key for key in data if key not in list_fields and len(data.getlist(key)) > 1]
        if repeated:
            raise ValidationError(
                [
                    {
                        "type": "repeated_parameter",
                        "loc": [where, key],
                        "msg": "Given more than once; this parameter takes one value",
                    }
                    for key in repeated
                ]
            )
        return super().parse_querydict(data, list_fields, request)
