"""The time zone a customer's clock keeps, from the country and region of their address.

Calling hours are the customer's hours, so the dialer needs a zone even where the record has
none. Most of the region's countries keep one zone; Mexico, Brazil, the United States and a
few others do not, and there the region (state, province) decides. An unknown country or
region answers ``None``: the call list's default zone applies.
"""

from __future__ import annotations

import unicodedata

ONE_ZONE = {
    "EC": "America/Guayaquil",
    "CO": "America/Bogota",
    "PE": "America/Lima",
    "VE": "America/Caracas",
    "BO": "America/La_Paz",
    "PY": "America/Asuncion",
    "UY": "America/Montevideo",
    "AR": "America/Argentina/Buenos_Aires",
    "PA": "America/Panama",
    "CR": "America/Costa_Rica",
    "GT": "America/Guatemala",
    "SV": "America/El_Salvador",
    "HN": "America/Tegucigalpa",
    "NI": "America/Managua",
    "DO": "America/Santo_Domingo",
    "PR": "America/Puerto_Rico",
    "CU": "America/Havana",
    "ES": "Europe/Madrid",
}

# Regions keeping another zone than the country's main one (names without accents, lower case).
REGIONS = {
    "EC": {"galapagos": "Pacific/Galapagos"},
    "ES": {"canarias": "Atlantic/Canary", "islas canarias": "Atlantic/Canary"},
    "MX": {
        "baja california": "America/Tijuana",
        "baja california sur": "America/Mazatlan",
        "sonora": "America/Hermosillo",
        "sinaloa": "America/Mazatlan",
        "nayarit": "America/Mazatlan",
        "chihuahua": "America/Chihuahua",
        "quintana roo": "America/Cancun",
    },
    "CL": {"magallanes": "America/Punta_Arenas", "isla de pascua": "Pacific/Easter"},
}
MAIN_ZONE = {"MX": "America/Mexico_City", "CL": "America/Santiago", "BR": "America/Sao_Paulo"}


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def zone_for(country: str, region: str = "") -> str | None:
    """The zone of an address in ``country`` (ISO 3166 alpha-2) and ``region``, or None."""
    code = country.strip().upper()
    special = REGIONS.get(code, {}).get(_plain(region)) if region else None
    return special or ONE_ZONE.get(code) or MAIN_ZONE.get(code)
