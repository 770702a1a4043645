"""What channels send the analytics context: ``usage.recorded``, a customer's use of their
plan in one period (the telecom's billing system each month, a bank's core nightly)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lealtad.core.text_schema import NOT_BLANK_CLEAN_TEXT


class UsageRecorded(BaseModel):
    """``usage.recorded``: in ``period`` the customer on ``plan`` (``allowance`` units a
    period) used ``used`` units. A later report of the same period and unit replaces it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    unit: str = Field(
        min_length=1,
        max_length=20,
        pattern=NOT_BLANK_CLEAN_TEXT,
        description="hours, GB, minutes, transactions …",
    )
    plan: str = Field(
        min_length=1,
        max_length=40,
        pattern=NOT_BLANK_CLEAN_TEXT,
        description="the plan's code, e.g. 40h",
    )
    allowance: float = Field(gt=0, description="units the plan includes per period")
    used: float = Field(ge=0, description="units used in the period")

    @field_validator("allowance", "used")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value) or value > 1e12:
            raise ValueError("must be a finite number below 10^12")
        return value
