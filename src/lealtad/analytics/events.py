"""Hub wiring of the analytics context: the nightly refresh on the dispatcher's ticker, the
cube's incremental feed from commerce events, and the 360 sections it adds."""

from __future__ import annotations
