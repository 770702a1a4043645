"""Realistic Spanish-language demo customers, loaded fast enough for a million of them.

What it makes, deterministically for a seed: people with one or two given names and two family
names (particles such as "de la Cruz" and Kichwa/Quechua surnames included), valid Ecuadorian
cédulas for most (some Peruvian DNI and Mexican CURP, a few cédulas with a typo flagged
invalid), unique mobile phones and emails, households sharing a landline and a home address,
Quito/Guayaquil/Cuenca (and Lima, Mexico City) addresses, consents with their history, the
profile fields of the ficha de cliente and a multi-channel contact history. Every customer
also gets the identifiers, phones, emails and per-channel activity rows that the services and
the hub subscribers would have written for the same data.

Speed: the ORM per row would take hours for a million customers, so rows are generated in
chunks (by a pure function, in a worker process when the load is large) and written with raw
``executemany`` INSERTs — or ``COPY`` on PostgreSQL — one transaction per chunk. Customer and
household ids are allocated explicitly from ``max(id) + 1`` so child rows can point at them.

Auditing: bulk demo data is *not* audited row by row (that would double the rows written);
the load as a whole leaves one ``demo_load`` audit entry with its counts.

Uniqueness of phones, emails, cédulas, DNIs, cards and external ids comes from the customer's
id through bijective permutations, so loads into a database that already holds demo customers
do not collide; the random generator only decides everything else.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from lealtad.core.normalize import cedula_check_digit, fold
from lealtad.core.normalize import phone as parse_phone

if TYPE_CHECKING:
    from rich.progress import Progress

CHUNK = 10_000  # customers per generated chunk and per transaction
PARALLEL_FROM = 50_000  # below this many customers, generate in-process
DEMO_PASSWORD = "lealtad-demo"
DEMO_USERS = (
    ("gerente", "manager", "Gabriela", "Andrade"),
    ("supervisor", "supervisor", "Marco", "Villacís"),
    ("agente", "agent", "Andrea", "Quishpe"),
    ("vendedor", "sales_rep", "Juan Carlos", "Tipán"),
    ("mercadeo", "marketer", "María José", "Cevallos"),
    ("tecnico", "technician", "Luis", "Chicaiza"),
    ("cajero", "store_clerk", "Rosa", "Guamán"),
    ("privacidad", "privacy_officer", "Paola", "Mamani"),
)
CREATED_BY = "demo"


def _words(text: str, *more: str) -> tuple[str, ...]:
    return (*text.split(), *more)


# Names ---------------------------------------------------------------------------------------

FEMALE = _words(
    "María Ana Rosa Gabriela Daniela Carmen Lucía Patricia Verónica Sofía Valentina Camila "
    "Fernanda Andrea Paola Diana Mónica Elena Isabel Margarita Tatiana Karina Nancy Silvia "
    "Inés Beatriz Ximena Mercedes Lorena Alexandra Cristina Adriana Natalia Juana Rocío Esther "
    "Teresa Pilar Dolores Gloria Josefina Mariana Doménica Emilia Martina Nathaly Jessica "
    "Johanna Evelyn Maribel Blanca Susana Elizabeth Marcela Carolina Sisa Nina Killa"
)
FEMALE_SECOND = _words(
    "José Fernanda Belén Elena Isabel Alejandra Lucía Cristina Gabriela Victoria Paz Eugenia "
    "Soledad Augusta Dolores Estefanía Carolina",
    "del Carmen",
    "de los Ángeles",
    "del Rocío",
    "del Cisne",
)
MALE = _words(
    "Juan José Luis Carlos Jorge Diego Andrés Miguel Pedro Fernando Javier Santiago Mateo "
    "Sebastián Alejandro Ricardo Marco Édgar Fabián Héctor Iván Wilson Segundo Manuel "
    "Francisco Roberto Pablo Raúl Óscar Julio César Víctor Rodrigo Patricio Hernán Esteban "
    "Daniel David Ángel Galo Byron Freddy Washington Álvaro Nicolás Joel Kevin Bryan Rumi "
    "Inti Amaru"
)
MALE_SECOND = _words(
    "Carlos Luis Alberto Pablo Andrés Antonio Ángel José Fernando Xavier Eduardo Francisco "
    "Sebastián Alejandro Gabriel Patricio Enrique"
)
SURNAMES = _words(
    "García Rodríguez Martínez López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez "
    "Díaz Cruz Morales Reyes Ortiz Vargas Castillo Jiménez Moreno Romero Herrera Medina Aguilar "
    "Vásquez Castro Ruiz Mendoza Suárez Zambrano Andrade Cevallos Paredes Villacís Salazar "
    "Espinoza Naranjo Benítez Cedeño Mora Chávez Guerrero Carrión Jaramillo Ordóñez Pazmiño "
    "Montalvo Ponce Alvarado Bravo Yépez Proaño Núñez Juárez Ortega Muñoz Peña Ibarra Calderón "
    "Játiva Enríquez Valencia Arias Ayala Tapia Ramos Acosta Hidalgo Loor Macías Vera Intriago "
    "Palacios Montesdeoca Sarmiento Cárdenas Rosero Erazo Almeida Robalino Velasco Granda",
    "de la Cruz",
    "del Pozo",
    "de la Torre",
    "de los Santos",
    "del Castillo",
    "de la Vega",
)
INDIGENOUS = _words(
    "Quishpe Guamán Chicaiza Tipán Mamani Condori Huamán Quispe Pilataxi Toapanta Caiza "
    "Cabascango Lema Tenesaca Allauca Taipe Chiluisa Yupanqui Cayambe Farinango Sisalema "
    "Guachamín Chimbo Llumiquinga"
)

# Places --------------------------------------------------------------------------------------

# (city, region, country, cédula province, landline area digit, postal codes, share)
CITIES = (
    ("Quito", "Pichincha", "EC", 17, "2", ("170135", "170143", "170102", "170515", "170150")),
    ("Guayaquil", "Guayas", "EC", 9, "4", ("090112", "090505", "090150", "090507", "090306")),
    ("Cuenca", "Azuay", "EC", 1, "7", ("010101", "010107", "010150", "010204")),
    ("Lima", "Lima", "PE", 0, "", ("15046", "15073", "15074", "15001", "15036")),
    ("Ciudad de México", "Ciudad de México", "MX", 0, "", ("03940", "06700", "03100", "04510")),
)
CITY_WEIGHTS = (44, 31, 13, 6, 6)
QUITO_STREETS = (
    "Av. 12 de Octubre",
    "Av. Amazonas",
    "Av. 6 de Diciembre",
    "Av. de los Shyris",
    "Av. Eloy Alfaro",
    "Av. República",
    "Av. Naciones Unidas",
    "Juan León Mera",
    "Reina Victoria",
    "Av. Mariscal Sucre",
    "García Moreno",
    "Av. Pedro Vicente Maldonado",
    "Toledo",
    "Av. Cristóbal Colón",
    "Av. Francisco de Orellana",
    "Av. de la Prensa",
    "Av. Galo Plaza Lasso",
    "Av. Simón Bolívar",
)
QUITO_CROSS = (
    "Luis Cordero",
    "Veintimilla",
    "Wilson",
    "Jorge Washington",
    "Madrid",
    "Lizardo García",
    "Foch",
    "Juan Pablo Sanz",
    "Portugal",
    "Gaspar de Villarroel",
    "Tomás de Berlanga",
    "Rumipamba",
    "Isla Floreana",
    "Vicente Ramón Roca",
    "Mariana de Jesús",
    "El Inca",
)
GYE_STREETS = (
    "Av. 9 de Octubre",
    "Av. Francisco de Orellana",
    "Chimborazo",
    "Av. Carlos Julio Arosemena",
    "Av. Juan Tanca Marengo",
    "Pedro Carbo",
    "Av. Quito",
    "Boyacá",
    "Av. de las Américas",
    "Av. del Bombero",
)
GYE_CROSS = ("Pedro Moncayo", "Escobedo", "Córdova", "Rumichaca", "Lorenzo de Garaicoa", "Tulcán")
GYE_CDLAS = ("Cdla. Kennedy Norte", "Cdla. Alborada 5ta etapa", "Sauces 6", "Urdesa Central")
CUENCA_STREETS = (
    "Calle Larga",
    "Av. Solano",
    "Gran Colombia",
    "Av. Remigio Crespo",
    "Simón Bolívar",
    "Presidente Córdova",
    "Av. Ordóñez Lasso",
)
CUENCA_CROSS = (
    "Presidente Borrero",
    "Av. 12 de Abril",
    "Padre Aguirre",
    "Guayas",
    "Hermano Miguel",
)
LIMA_STREETS = (
    ("Av. Arequipa", "Lince"),
    ("Jr. de la Unión", "Cercado de Lima"),
    ("Av. Javier Prado Este", "San Isidro"),
    ("Calle Los Pinos", "Miraflores"),
    ("Av. Brasil", "Jesús María"),
    ("Av. La Marina", "San Miguel"),
)
CDMX_STREETS = (
    ("Av. Insurgentes Sur", "Col. Crédito Constructor"),
    ("Calle Durango", "Col. Roma Norte"),
    ("Av. Universidad", "Col. Xoco"),
    ("Calle Ámsterdam", "Col. Hipódromo"),
    ("Av. Revolución", "Col. San Ángel"),
)
REFERENCES = (
    "Edificio Torres del Norte, piso 3, dpto. 302",
    "Casa esquinera, portón verde",
    "Frente al parque",
    "Junto a la farmacia",
    "Conjunto Los Álamos, casa 14",
    "Diagonal a la iglesia",
    "Edificio Amazonas Plaza, oficina 804",
    "Tras el centro comercial",
)
STORES = (
    (
        "Sucursal Quicentro",
        "Sucursal Mall El Jardín",
        "Sucursal Centro Histórico",
        "Sucursal El Recreo",
    ),
    ("Sucursal San Marino", "Sucursal Mall del Sol", "Sucursal Riocentro Norte", "Sucursal Urdesa"),
    ("Sucursal Mall del Río", "Sucursal Centro Cuenca", "Sucursal Monay"),
    ("Tienda Jockey Plaza", "Tienda Miraflores", "Tienda San Isidro"),
    ("Tienda Polanco", "Tienda Coyoacán", "Tienda Santa Fe"),
)
AGENTS = (
    "Andrea Villacís",
    "Diego Pazmiño",
    "Paola Quishpe",
    "Santiago Cedeño",
    "Verónica Tipán",
    "Luis Guamán",
    "Karina Mora",
    "Jorge Chicaiza",
    "Daniela Proaño",
    "Fernando Loor",
)

# Profile values ------------------------------------------------------------------------------

PAYMENT = (
    "efectivo",
    "tarjeta de crédito",
    "tarjeta de débito",
    "transferencia",
    "billetera móvil",
    "crédito directo",
)
MOTIVES = (
    "precio",
    "calidad",
    "cercanía",
    "promociones",
    "atención",
    "variedad",
    "marca",
    "recomendación",
)
INSURANCE = {
    "EC": ("IESS", "IESS", "IESS", "Seguro privado", "ISSFA", "ISSPOL", "", ""),
    "PE": ("EsSalud", "SIS", "EPS privada", ""),
    "MX": ("IMSS", "ISSSTE", "IMSS-Bienestar", "Seguro privado", ""),
}
CHANNELS = ("web", "pos", "call_center", "kiosk", "ivr", "email", "handheld", "mobile", "field")
CHANNEL_WEIGHTS = (14, 26, 18, 5, 8, 10, 5, 12, 2)
INCOME = ("low", "lower_middle", "middle", "middle", "upper_middle", "high", "")
MARITAL = ("single", "single", "married", "married", "union", "divorced", "widowed", "")
LIFECYCLE = ("customer",) * 15 + ("prospect",) * 3 + ("former",) * 2
EMAIL_DOMAINS = {
    "EC": ("gmail.com",) * 9 + ("hotmail.com",) * 4 + ("outlook.com", "yahoo.com", "icloud.com"),
    "PE": ("gmail.com",) * 6 + ("hotmail.com",) * 3 + ("yahoo.es", "outlook.com"),
    "MX": ("gmail.com",) * 6 + ("hotmail.com",) * 3 + ("outlook.com", "prodigy.net.mx"),
}
# (channel, how it was asked, the proof kept: docs/customers.md "Consents").
CONSENT_METHODS = (
    ("web", "Formulario web con casilla de aceptación", "channel_event"),
    ("pos", "Firma en tienda", "signed_form"),
    ("call_center", "Llamada grabada", "recorded_call"),
    ("mobile", "App móvil", "channel_event"),
    ("email", "Respuesta a correo de confirmación", "double_opt_in"),
    ("kiosk", "Aceptación en kiosco", "channel_event"),
)
CONSENT_RECORDERS = {"web": "sitio web", "mobile": "app", "email": "correo", "kiosk": "kiosco"}

# (kind, direction, subject, summaries, related_type) per channel.
INTERACTIONS: dict[str, tuple[tuple[str, str, str, tuple[str, ...], str], ...]] = {
    "call_center": (
        (
            "inquiry",
            "inbound",
            "Consulta de saldo",
            (
                "Cliente consulta saldo disponible; se informa por teléfono.",
                "Consulta saldo y fecha de corte; queda conforme.",
            ),
            "",
        ),
        (
            "complaint",
            "inbound",
            "Reclamo por facturación",
            (
                "Reclama un cobro duplicado en la factura del mes; se abre caso.",
                "No reconoce un cargo; se envía detalle de consumos al correo.",
            ),
            "case",
        ),
        (
            "service",
            "inbound",
            "Cambio de dirección",
            ("Solicita actualizar la dirección de domicilio; se registra la nueva.",),
            "",
        ),
        (
            "service",
            "inbound",
            "Actualización de datos",
            ("Actualiza número celular y correo electrónico.",),
            "",
        ),
        (
            "complaint",
            "inbound",
            "Queja por demora en la entrega",
            ("Pedido no llega en la fecha ofrecida; se escala a logística.",),
            "case",
        ),
        (
            "inquiry",
            "inbound",
            "Consulta de puntos",
            ("Pregunta cuántos puntos tiene y cómo canjearlos.",),
            "",
        ),
        (
            "sales",
            "outbound",
            "Oferta de renovación",
            (
                "Se ofrece renovación con descuento; cliente lo pensará.",
                "Acepta la renovación del plan por 12 meses.",
            ),
            "",
        ),
        (
            "follow_up",
            "outbound",
            "Llamada de seguimiento",
            (
                "Seguimiento del reclamo; cliente confirma solución.",
                "No contesta; se deja mensaje de voz.",
            ),
            "case",
        ),
    ),
    "pos": (
        (
            "purchase",
            "inbound",
            "Compra en tienda",
            (
                "Compra con acumulación de puntos.",
                "Compra pagada en efectivo; factura electrónica emitida.",
                "Compra con tarjeta de débito.",
            ),
            "invoice",
        ),
        (
            "return",
            "inbound",
            "Devolución de producto",
            ("Devuelve producto en garantía; se emite nota de crédito.",),
            "invoice",
        ),
        (
            "redemption",
            "inbound",
            "Canje de puntos",
            ("Canjea puntos por un descuento en caja.",),
            "",
        ),
        (
            "payment",
            "inbound",
            "Pago de factura",
            ("Pago de factura pendiente en caja.",),
            "invoice",
        ),
    ),
    "web": (
        (
            "registration",
            "inbound",
            "Registro en sitio web",
            ("Crea su cuenta en el sitio web.",),
            "",
        ),
        (
            "purchase",
            "inbound",
            "Compra en línea",
            (
                "Pedido en línea con entrega a domicilio.",
                "Pedido en línea con retiro en tienda.",
            ),
            "order",
        ),
        (
            "inquiry",
            "inbound",
            "Consulta de estado de pedido",
            ("Revisa el estado de su pedido en línea.",),
            "order",
        ),
        (
            "service",
            "inbound",
            "Restablecimiento de contraseña",
            ("Solicita restablecer su contraseña.",),
            "",
        ),
    ),
    "kiosk": (
        (
            "inquiry",
            "inbound",
            "Consulta de puntos en kiosco",
            ("Consulta puntos acumulados en el kiosco.",),
            "",
        ),
        (
            "service",
            "inbound",
            "Impresión de estado de cuenta",
            ("Imprime su estado de cuenta.",),
            "",
        ),
    ),
    "ivr": (
        (
            "inquiry",
            "inbound",
            "Consulta de saldo (IVR)",
            ("Consulta de saldo resuelta en el IVR.",),
            "",
        ),
        ("payment", "inbound", "Pago automático", ("Pago con tarjeta registrado por el IVR.",), ""),
        (
            "transfer",
            "inbound",
            "Transferencia a agente",
            ("Pide hablar con un agente desde el IVR.",),
            "",
        ),
    ),
    "email": (
        (
            "notification",
            "outbound",
            "Envío de factura electrónica",
            ("Se envía la factura electrónica al correo.",),
            "invoice",
        ),
        (
            "campaign",
            "outbound",
            "Boletín mensual",
            ("Boletín de novedades y promociones del mes.",),
            "campaign",
        ),
        (
            "campaign",
            "outbound",
            "Promoción Día de la Madre",
            ("Promoción especial por el Día de la Madre.",),
            "campaign",
        ),
        (
            "inquiry",
            "inbound",
            "Respuesta a consulta por correo",
            ("Escribe preguntando por horarios de atención.",),
            "",
        ),
    ),
    "handheld": (
        (
            "inquiry",
            "inbound",
            "Consulta de precio",
            ("Consulta de precio y disponibilidad en piso de venta.",),
            "",
        ),
        (
            "registration",
            "inbound",
            "Registro de cliente en piso de venta",
            ("Vendedor registra sus datos con la tableta.",),
            "",
        ),
    ),
    "mobile": (
        ("login", "inbound", "Inicio de sesión en la app", ("Ingresa a la app móvil.",), ""),
        ("payment", "inbound", "Pago desde la app", ("Paga su factura desde la app.",), "invoice"),
        (
            "notification",
            "outbound",
            "Notificación push abierta",
            ("Abre la notificación de una promoción.",),
            "campaign",
        ),
    ),
    "field": (
        (
            "visit",
            "outbound",
            "Visita técnica",
            ("Visita técnica a domicilio; equipo revisado.",),
            "case",
        ),
        (
            "installation",
            "outbound",
            "Instalación de servicio",
            ("Instalación completada y firmada.",),
            "order",
        ),
    ),
}
AGENT_CHANNELS = {"call_center", "handheld", "field"}
STORE_CHANNELS = {"pos", "kiosk", "handheld"}


# Pure generation ---------------------------------------------------------------------------

_fold = cache(fold)


@cache
def _ascii_word(text: str) -> str:
    """For email local parts: "María de los Ángeles" → "mariadelosangeles"."""
    return "".join(c for c in fold(text) if c.isalnum())


def _perm(n: int, space: int, mult: int, add: int) -> int:
    """A bijection of [0, space) (``mult`` coprime with ``space``): unique yet scattered."""
    return (n * mult + add) % space


def cedula_for(ordinal: int, province: int) -> str:
    """A valid cédula, unique per ordinal (up to 6 million) whatever the province."""
    tail = _perm(ordinal, 6_000_000, 1_234_567, 2_345_678)  # third digit < 6, six more digits
    nine = f"{province:02d}{tail:07d}"
    return nine + cedula_check_digit(nine)


_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_STATES = ("DF", "MC", "JC", "NL", "PL", "VZ", "GT")


def _curp_word(text: str) -> str:
    last = text.split()[-1] if text else "X"
    return "".join(c for c in fold(last).upper() if "A" <= c <= "Z") or "X"


def curp_for(given: str, first: str, second: str, birth: str, female: bool, ordinal: int) -> str:
    """A well-formed CURP with a correct check digit (names → letters, birth date, sex)."""
    g, f, s = _curp_word(given), _curp_word(first), _curp_word(second)
    vowel = next((c for c in f[1:] if c in "AEIOU"), "X")
    cons = [next((c for c in w[1:] if c not in "AEIOU"), "X") for w in (f, s, g)]
    state = _CURP_STATES[ordinal % len(_CURP_STATES)]
    year = int(birth[:4])
    diff = str(ordinal % 10) if year < 2000 else chr(65 + ordinal % 26)
    head = (
        f"{f[0]}{vowel}{s[0]}{g[0]}{birth[2:4]}{birth[5:7]}{birth[8:10]}"
        f"{'M' if female else 'H'}{state}{''.join(cons)}{diff}"
    )
    total = sum(_CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(head))
    return head + str((10 - total % 10) % 10)


def _validity(e164: str) -> str:
    """As ingest would flag it: a demo number may fall outside the ranges listed as assigned."""
    return parse_phone(e164).validity


def _mobile(ordinal: int, country: str) -> tuple[str, str]:
    """(E.164, as typed) — unique per ordinal."""
    if country == "PE":
        n = _perm(ordinal, 100_000_000, 48_271_053, 13_579_113)
        digits = f"9{n:08d}"
        return f"+51{digits}", f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if country == "MX":
        n = _perm(ordinal, 100_000_000, 69_069_069, 24_680_246)
        return f"+5255{n:08d}", f"55 {n // 10000:04d} {n % 10000:04d}"
    prefix = "99" if ordinal % 2 == 0 else "98"
    n = _perm(ordinal // 2, 10_000_000, 3_980_621, 1_111_117)
    style = ordinal % 3
    if style == 0:
        typed = f"0{prefix}{n:07d}"
    elif style == 1:
        typed = f"0{prefix} {n // 10000:03d} {n % 10000:04d}"
    else:
        typed = f"+593 {prefix} {n // 10000:03d} {n % 10000:04d}"
    return f"+593{prefix}{n:07d}", typed


def _landline(key: int, area: str, second: str) -> tuple[str, str]:
    n = _perm(key, 1_000_000, 700_001, 12_345)
    return f"+593{area}{second}{n:06d}", f"0{area} {second}{n // 10000:02d} {n % 10000:04d}"


class _Tables:
    """Precomputed strings shared by every chunk: dates, times, interaction templates."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.days = [(today - timedelta(days=d)).isoformat() for d in range(0, 2400)]
        # Contacts happen 08:00-19:59 Ecuador time, stored in UTC (13:00-00:59 → keep < 24h).
        self.times = [
            f" {h:02d}:{m:02d}:{s:02d}"
            for h in range(13, 24)
            for m in range(60)
            for s in range(0, 60, 7)
        ]
        tpl = random.Random(20240501)
        self.pools: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
        for channel, templates in INTERACTIONS.items():
            for city in range(len(CITIES)):
                pool = []
                for _ in range(256):
                    kind, direction, subject, summaries, related = templates[
                        tpl.randrange(len(templates))
                    ]
                    agent = AGENTS[tpl.randrange(len(AGENTS))] if channel in AGENT_CHANNELS else ""
                    stores = STORES[city]
                    location = (
                        stores[tpl.randrange(len(stores))] if channel in STORE_CHANNELS else ""
                    )
                    summary = summaries[tpl.randrange(len(summaries))]
                    pool.append(
                        (channel, kind, direction, subject, summary, agent, location, related)
                    )
                self.pools[(channel, city)] = pool
        self.payments = [
            json.dumps(sorted(tpl.sample(PAYMENT, k)), ensure_ascii=False)
            for k in (1, 1, 2, 2, 2, 3)
            for _ in range(8)
        ]
        self.motives = [
            json.dumps(tpl.sample(MOTIVES, k), ensure_ascii=False)
            for k in (1, 2, 2, 3)
            for _ in range(8)
        ]
        self.cum_channels = list(_cumulative(CHANNEL_WEIGHTS))
        self.cum_cities = list(_cumulative(CITY_WEIGHTS))


def _cumulative(weights: Sequence[int]) -> Iterable[float]:
    total, acc = sum(weights), 0
    for w in weights:
        acc += w
        yield acc / total


@lru_cache(maxsize=4)
def _tables(today: date) -> _Tables:
    return _Tables(today)


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Customer": _words(
        "id kind given_names first_surname second_surname organization_name display_name "
        "search_name national_id national_id_type national_id_valid gender language "
        "marital_status birth_date income_band payment_methods purchase_motives "
        "health_insurance preferred_channel lifecycle_status first_contact_at "
        "first_contact_channel created_at created_by updated_at"
    ),
    "Household": ("id", "name", "declared_size", "created_at"),
    "HouseholdMember": ("household", "customer", "role"),
    "Phone": _words("customer e164 raw kind is_mobile is_primary source created_at validity"),
    "Email": ("customer", "address", "is_primary", "source", "created_at"),
    "Address": _words(
        "customer kind line1 line2 city region postal_code country valid_from valid_to source "
        "created_at"
    ),
    "Identifier": ("customer", "kind", "system", "value", "created_at"),
    "Consent": ("customer", "channel", "purpose", "granted", "updated_at"),
    "ConsentChange": _words(
        "customer channel purpose granted recorded_at recorded_by method source_channel event_id "
        "proof proof_reference status confirmed_at"
    ),
    "Interaction": _words(
        "customer occurred_at channel kind direction subject summary agent location "
        "related_type related_id event_id created_at"
    ),
    "ChannelActivity": ("customer", "channel", "contacts", "last_contact_at"),
}
# Parents first: the order rows are written in.
TABLE_ORDER = tuple(TABLE_COLUMNS)


def generate_chunk(
    seed: int,
    chunk_index: int,
    count: int,
    customer_base: int,
    household_base: int,
    per_customer: int,
    today: date,
    created_at: str,
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of every table for ``count`` customers, a pure function of its arguments.

    Customer ``i`` of the chunk gets id ``customer_base + chunk_index * CHUNK + i + 1``; the
    ids, not the random stream, make phones, emails and national ids unique.
    """
    rng = random.Random(seed * 1_000_003 + chunk_index)
    r = rng.random
    t = _tables(today)
    days, times, pools = t.days, t.times, t.pools
    n_times = len(times)
    cum_channels, cum_cities = t.cum_channels, t.cum_cities
    out: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLE_ORDER}
    customers, households, members = out["Customer"], out["Household"], out["HouseholdMember"]
    phones, emails, addresses = out["Phone"], out["Email"], out["Address"]
    identifiers, consents, changes = out["Identifier"], out["Consent"], out["ConsentChange"]
    interactions, activity = out["Interaction"], out["ChannelActivity"]
    first_index = chunk_index * CHUNK

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(r() * len(seq))]

    def weighted(cum: list[float]) -> int:
        x = r()
        for i, c in enumerate(cum):
            if x < c:
                return i
        return len(cum) - 1

    def surname(country: str) -> str:
        x = r()
        if x < 0.16 and country != "MX":
            return pick(INDIGENOUS)
        if x < 0.06 and country == "MX":
            return "Hernández"
        return pick(SURNAMES)

    def given(female: bool, country: str) -> str:
        if female:
            first = pick(FEMALE)
            if country == "MX" and r() < 0.1:
                first = pick(("Xóchitl", "Itzel", "Guadalupe", "Citlali"))
            if r() < 0.5:
                second = pick(FEMALE_SECOND) if first == "María" or r() < 0.5 else pick(FEMALE)
                return first if second == first else f"{first} {second}"
            return first
        first = pick(MALE)
        if r() < 0.45:
            second = pick(MALE_SECOND)
            return first if second == first else f"{first} {second}"
        return first

    i = 0
    while i < count:
        # A household: 45 % of people live alone in the data, the rest in homes of 2-5.
        size = 1 if r() < 0.45 else min(count - i, 2 + int(r() * r() * 4))
        city = weighted(cum_cities)
        city_name, region, country, province, area, postcodes = CITIES[city]
        head_first, head_second = surname(country), surname(country)
        spouse_first = surname(country)
        hh_id = household_base + first_index + i + 1 if size > 1 else None
        street_no = int(r() * 990) + 10
        home = _street(r, city, street_no)
        home_ref = pick(REFERENCES) if r() < 0.35 else ""
        home_postcode = pick(postcodes) if (country != "EC" or r() < 0.4) else ""
        landline = (
            _landline(first_index + i + customer_base, area, str(2 + int(r() * 5)))
            if country == "EC" and size > 1 and r() < 0.7
            else None
        )
        if hh_id is not None:
            declared = size + int(r() * 3) if r() < 0.8 else None
            households.append((hh_id, f"Familia {head_first} {spouse_first}", declared, created_at))
        moved_in = int(r() * 2000) + 200  # days ago the household moved here
        for member in range(size):
            index = first_index + i + member
            cid = customer_base + index + 1
            ordinal = cid - 1
            if member == 0:
                role, female, first, second, age = (
                    "head",
                    r() < 0.5,
                    head_first,
                    head_second,
                    25 + int(r() * 50),
                )
            elif member == 1:
                role, female, first, second, age = (
                    "spouse",
                    r() < 0.5,
                    spouse_first,
                    surname(country),
                    25 + int(r() * 45),
                )
            else:
                role, female, first, second, age = (
                    "child",
                    r() < 0.5,
                    head_first,
                    spouse_first,
                    18 + int(r() * 12),
                )
            names = given(female, country)
            display = f"{names} {first} {second}"
            search = f"{_fold(names)} {_fold(first)} {_fold(second)}"
            birth = days[0][:4]
            birth = f"{int(birth) - age:04d}-{1 + int(r() * 12):02d}-{1 + int(r() * 28):02d}"
            # National id
            valid: bool | None = True
            if country == "EC":
                prov = province if r() < 0.7 else 1 + int(r() * 24)
                nid, nid_type, valid = cedula_for(ordinal, prov), "cedula_ec", True
                if r() < 0.02:  # a typo kept as entered, flagged invalid
                    nid, valid = nid[:9] + str((int(nid[9]) + 1 + int(r() * 9)) % 10), False
            elif country == "PE":
                nid = f"{10_000_000 + _perm(ordinal, 70_000_000, 48_271, 9_999_991):08d}"
                nid_type, valid = "dni_pe", True
            else:
                nid, nid_type, valid = (
                    curp_for(names, first, second, birth, female, ordinal),
                    "curp_mx",
                    True,
                )
            if r() < 0.03:
                nid, nid_type, valid = "", "", None
            # Profile
            first_days = min(moved_in, int(r() * 2100) + 30)
            first_at = days[first_days] + times[int(r() * n_times)]
            channels = [weighted(cum_channels) for _ in range(1 + int(r() * 3))]
            preferred = CHANNELS[channels[0]]
            gender = ("female" if female else "male") if r() < 0.97 else ""
            language = "es"
            if r() < 0.03:
                language = "qu" if first in INDIGENOUS else "en"
            customers.append(
                (
                    cid,
                    "person",
                    names,
                    first,
                    second,
                    "",
                    display,
                    search,
                    nid,
                    nid_type,
                    valid,
                    gender,
                    language,
                    pick(MARITAL) if role != "spouse" else pick(("married", "union")),
                    birth,
                    pick(INCOME),
                    pick(t.payments),
                    pick(t.motives) if r() < 0.7 else "[]",
                    pick(INSURANCE[country]),
                    preferred,
                    pick(LIFECYCLE),
                    first_at,
                    preferred,
                    created_at,
                    CREATED_BY,
                    created_at,
                )
            )
            if hh_id is not None:
                members.append((hh_id, cid, role))
            # Identifiers, phones, emails
            if nid:
                identifiers.append((cid, "national_id", "", nid, created_at))
            mobile, typed = _mobile(ordinal, country)
            phones.append(
                (cid, mobile, typed, "mobile", True, True, preferred, created_at, _validity(mobile))
            )
            identifiers.append((cid, "phone", "", mobile, created_at))
            if landline is not None:
                phones.append(
                    (
                        cid,
                        *landline,
                        "home",
                        False,
                        False,
                        "pos",
                        created_at,
                        _validity(landline[0]),
                    )
                )
            elif country == "EC" and r() < 0.08:
                work = _landline(ordinal + 500_000, area, str(2 + int(r() * 5)))
                phones.append(
                    (
                        cid,
                        *work,
                        "work",
                        False,
                        False,
                        "call_center",
                        created_at,
                        _validity(work[0]),
                    )
                )
            has_email = r() < 0.88
            if has_email:
                g1 = _ascii_word(names.split()[0])
                s1 = _ascii_word(first)
                style = int(r() * 4)
                if style == 0:
                    local = f"{g1}.{s1}{ordinal}"
                elif style == 1:
                    local = f"{g1[0]}{s1}{_ascii_word(second)[:1]}{ordinal}"
                elif style == 2:
                    local = f"{_ascii_word(names)}.{s1}.{ordinal}"
                else:
                    local = f"{s1}.{g1}{ordinal}"
                address = f"{local}@{pick(EMAIL_DOMAINS[country])}"
                emails.append((cid, address, True, preferred, created_at))
                identifiers.append((cid, "email", "", address, created_at))
            if r() < 0.4:
                identifiers.append(
                    (cid, "card", "", f"LEAL{6_000_000_000 + ordinal:010d}", created_at)
                )
            if r() < 0.3:
                identifiers.append(
                    (cid, "external", "facturacion_legacy", f"FAC-{ordinal:08d}", created_at)
                )
            # Addresses: the shared home, sometimes an ended earlier home and a workplace
            addresses.append(
                (
                    cid,
                    "home",
                    home,
                    home_ref,
                    city_name,
                    region,
                    home_postcode,
                    country,
                    days[moved_in],
                    None,
                    "pos",
                    created_at,
                )
            )
            if r() < 0.2:
                addresses.append(
                    (
                        cid,
                        "home",
                        _street(r, city, int(r() * 990) + 10),
                        "",
                        city_name,
                        region,
                        "",
                        country,
                        days[min(2399, moved_in + 300 + int(r() * 1500))],
                        days[moved_in + 1],
                        "call_center",
                        created_at,
                    )
                )
            if r() < 0.3:
                addresses.append(
                    (
                        cid,
                        "work",
                        _street(r, city, int(r() * 990) + 10),
                        pick(REFERENCES[6:]),
                        city_name,
                        region,
                        pick(postcodes) if r() < 0.3 else "",
                        country,
                        days[int(r() * first_days) + 1],
                        None,
                        "web",
                        created_at,
                    )
                )
            # Consents with their history
            method_channel, method, proof = pick(CONSENT_METHODS)
            proof_ref = f"{proof}-{ordinal:07d}"
            recorder = CONSENT_RECORDERS.get(method_channel, pick(("agente", "cajero", "vendedor")))
            wanted = [("sms", "service", True)]
            if has_email:
                wanted.append(("email", "service", True))
            wanted.append((pick(("email", "sms", "whatsapp", "phone")), "marketing", r() < 0.6))
            if r() < 0.25:
                wanted.append(
                    (
                        pick(("email", "whatsapp")),
                        pick(("surveys", "profiling", "third_party")),
                        r() < 0.5,
                    )
                )
            seen: set[tuple[str, str]] = set()
            for channel, purpose, granted in wanted:
                if (channel, purpose) in seen:
                    continue
                seen.add((channel, purpose))
                at = first_at
                if r() < 0.2:  # changed their mind later: the old choice stays in the history
                    changes.append(
                        (
                            cid,
                            channel,
                            purpose,
                            not granted,
                            at,
                            recorder,
                            method,
                            method_channel,
                            "",
                            proof,
                            proof_ref,
                            "in_force",
                            at if proof == "double_opt_in" else None,
                        )
                    )
                    at = days[int(r() * first_days)] + times[int(r() * n_times)]
                confirmed = at if proof == "double_opt_in" else None
                provenance = (recorder, method, method_channel, "", proof, proof_ref)
                changes.append(
                    (cid, channel, purpose, granted, at, *provenance, "in_force", confirmed)
                )
                consents.append((cid, channel, purpose, granted, at))
            # Contact history over the customer's channels, and its per-channel counts
            seen_channels: dict[str, list[Any]] = {}
            for n in range(per_customer):
                channel_index = pick(channels) if r() < 0.85 else weighted(cum_channels)
                tpl = pick(pools[(CHANNELS[channel_index], city)])
                occurred = days[int(r() * first_days)] + times[int(r() * n_times)]
                related = ""
                if tpl[7] == "invoice":
                    related = f"001-{city + 1:03d}-{ordinal * 10 + n % 10:09d}"
                elif tpl[7]:
                    related = f"{tpl[7][0].upper()}-{ordinal}-{n}"
                interactions.append((cid, occurred, *tpl[:7], tpl[7], related, "", created_at))
                stat = seen_channels.get(tpl[0])
                if stat is None:
                    seen_channels[tpl[0]] = [1, occurred]
                else:
                    stat[0] += 1
                    if occurred > stat[1]:
                        stat[1] = occurred
            for channel, (contacts, last) in seen_channels.items():
                activity.append((cid, channel, contacts, last))
        i += size
    return out


def _street(r: Any, city: int, number: int) -> str:
    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(r() * len(seq))]

    if city == 0:
        quadrant = "N" if r() < 0.65 else pick(("S", "E", "Oe"))
        return f"{pick(QUITO_STREETS)} {quadrant}{int(r() * 70) + 1}-{number} y {pick(QUITO_CROSS)}"
    if city == 1:
        if r() < 0.4:
            return f"{pick(GYE_CDLAS)}, Mz. {int(r() * 300) + 1}, Villa {int(r() * 30) + 1}"
        return f"{pick(GYE_STREETS)} {number * 3} y {pick(GYE_CROSS)}"
    if city == 2:
        return (
            f"{pick(CUENCA_STREETS)} {int(r() * 12) + 1}-{number % 100:02d} y {pick(CUENCA_CROSS)}"
        )
    if city == 3:
        street, district = pick(LIMA_STREETS)
        return f"{street} {number * 2}, {district}"
    street, colonia = pick(CDMX_STREETS)
    return f"{street} {number}, {colonia}"


def _generate_job(args: tuple[Any, ...]) -> dict[str, list[tuple[Any, ...]]]:
    return generate_chunk(*args)


# Writing ------------------------------------------------------------------------------------


class _Writer:
    """Raw bulk INSERTs (executemany) on SQLite; COPY on PostgreSQL."""

    def __init__(self) -> None:
        from django.apps import apps
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.sql: dict[str, str] = {}
        self.copy_sql: dict[str, str] = {}
        quote = connection.ops.quote_name
        for name, fields in TABLE_COLUMNS.items():
            model = apps.get_model("customers", name)
            table = quote(model._meta.db_table)
            columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
            marks = ", ".join(["%s" if self.vendor == "postgresql" else "?"] * len(fields))
            conflict = " ON CONFLICT DO NOTHING" if name == "Identifier" else ""
            self.sql[name] = f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}"
            self.copy_sql[name] = f"COPY {table} ({columns}) FROM STDIN"
            if name == "Identifier":
                self.identifier_table, self.identifier_columns = table, columns

    def begin_load(self, customers: int) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # Not durable while loading (a crash loses the demo data, nothing else): the
                # usual FULL is restored after. A bigger page cache for the random-key indexes.
                cursor.execute("PRAGMA synchronous=OFF")
                cache_kib = 1_048_576 if customers >= 200_000 else 262_144
                cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
                cursor.execute("PRAGMA temp_store=MEMORY")
            elif self.vendor == "postgresql":
                cursor.execute("SET synchronous_commit = off")

    def end_load(self) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA cache_size=-65536")
                cursor.execute("PRAGMA temp_store=DEFAULT")
                cursor.execute("PRAGMA optimize")
            elif self.vendor == "postgresql":
                cursor.execute("RESET synchronous_commit")
                from django.apps import apps
                from django.core.management.color import no_style

                models = [apps.get_model("customers", n) for n in ("Customer", "Household")]
                for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
                cursor.execute("ANALYZE")

    def write(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        from django.db import transaction

        with transaction.atomic():
            self.connection.ensure_connection()
            raw = self.connection.connection
            if self.vendor == "postgresql":
                self._copy(raw, rows)
                return
            cursor = raw.cursor()
            try:
                for name in TABLE_ORDER:
                    if rows[name]:
                        cursor.executemany(self.sql[name], rows[name])
            finally:
                cursor.close()

    def _copy(self, raw: Any, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        with raw.cursor() as cursor:
            for name in TABLE_ORDER:
                if not rows[name]:
                    continue
                if name == "Identifier":
                    # COPY cannot skip a taken key: stage, then INSERT … ON CONFLICT DO NOTHING.
                    cursor.execute(
                        "CREATE TEMP TABLE IF NOT EXISTS lealtad_demo_identifier AS "
                        f"SELECT {self.identifier_columns} FROM {self.identifier_table} "
                        "WITH NO DATA"
                    )
                    cursor.execute("TRUNCATE lealtad_demo_identifier")
                    with cursor.copy(
                        f"COPY lealtad_demo_identifier ({self.identifier_columns}) FROM STDIN"
                    ) as copy:
                        for row in rows[name]:
                            copy.write_row(row)
                    cursor.execute(
                        f"INSERT INTO {self.identifier_table} ({self.identifier_columns}) "
                        f"SELECT {self.identifier_columns} FROM lealtad_demo_identifier "
                        "ON CONFLICT DO NOTHING"
                    )
                    continue
                with cursor.copy(self.copy_sql[name]) as copy:
                    for row in rows[name]:
                        copy.write_row(row)


# The use case -------------------------------------------------------------------------------


def has_customers() -> bool:
    from lealtad.customers.models import Customer

    return Customer.objects.exists()


def _chunks(
    seed: int,
    customers: int,
    customer_base: int,
    household_base: int,
    per_customer: int,
    today: date,
    created_at: str,
) -> list[tuple[Any, ...]]:
    return [
        (
            seed,
            index,
            min(CHUNK, customers - index * CHUNK),
            customer_base,
            household_base,
            per_customer,
            today,
            created_at,
        )
        for index in range((customers + CHUNK - 1) // CHUNK)
    ]


def _generated(jobs: list[tuple[Any, ...]], pool: Any, workers: int) -> Iterable[dict[str, list]]:
    """Chunks in order; generated by the pool's workers (a bounded window ahead) if given."""
    if pool is None:
        for job in jobs:
            yield generate_chunk(*job)
        return
    window: deque[Any] = deque()
    pending: Iterator[Any] = iter(jobs)
    for job in pending:
        window.append(pool.apply_async(_generate_job, (job,)))
        if len(window) >= workers + 1:
            break
    while window:
        result = window.popleft().get()
        following = next(pending, None)
        if following is not None:
            window.append(pool.apply_async(_generate_job, (following,)))
        yield result


def _pool(parallel: bool) -> tuple[Any, int]:
    """Worker processes for generation: the main process is busy writing."""
    workers = min(os.cpu_count() or 1, 3)
    if not parallel or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None, 0
    from django.db import connection

    connection.close()  # forked workers must not inherit an open database connection
    return multiprocessing.get_context("fork").Pool(processes=workers), workers


def ensure_demo_users() -> list[tuple[str, str]]:
    """One user per role (password ``lealtad-demo``); existing users keep their password."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    hashed = make_password(DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose
    made = []
    for username, role, first, last in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=role)
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": hashed,
                "is_staff": False,
            },
        )
        user.groups.add(group)
        made.append((username, role))
    return made


def load(
    customers: int,
    seed: int,
    interactions_per_customer: int,
    progress: Progress | None = None,
    today: date | None = None,
    parallel: bool | None = None,
) -> str:
    """Generate and write the demo data; returns a one-line report with counts and seconds."""
    from django.db.models import Max

    from lealtad.core.models import AuditEntry
    from lealtad.customers.models import Customer, Household

    started = time.perf_counter()
    customers = max(0, customers)
    per_customer = max(0, interactions_per_customer)
    now = datetime.now(UTC).replace(microsecond=0)
    created_at = now.strftime("%Y-%m-%d %H:%M:%S")
    today = today or now.date()
    customer_base = Customer.objects.aggregate(m=Max("id"))["m"] or 0
    household_base = Household.objects.aggregate(m=Max("id"))["m"] or 0
    users = ensure_demo_users()
    jobs = _chunks(seed, customers, customer_base, household_base, per_customer, today, created_at)
    totals = dict.fromkeys(TABLE_ORDER, 0)
    task = progress.add_task("demo customers", total=customers) if progress else None
    pool, workers = _pool(customers >= PARALLEL_FROM if parallel is None else parallel)
    writer = _Writer()
    writer.begin_load(customers)
    try:
        for rows in _generated(jobs, pool, workers):
            writer.write(rows)
            for name, values in rows.items():
                totals[name] += len(values)
            if progress is not None and task is not None:
                progress.advance(task, len(rows["Customer"]))
    finally:
        writer.end_load()
        if pool is not None:
            pool.terminate()
            pool.join()
    elapsed = time.perf_counter() - started
    AuditEntry.objects.create(
        occurred_at=now,
        actor_label="lealtad demo",
        channel="cli",
        action="demo_load",
        entity_type="demo",
        entity_id=str(seed),
        changes={
            "seed": [None, seed],
            **{name: [None, count] for name, count in totals.items()},
            "seconds": [None, round(elapsed, 1)],
        },
    )
    logins = ", ".join(f"{u} ({role})" for u, role in users)
    return (
        f"Loaded {totals['Customer']:,} customers, {totals['Household']:,} households, "
        f"{totals['Interaction']:,} interactions, {totals['Identifier']:,} identifiers, "
        f"{totals['Phone']:,} phones, {totals['Email']:,} emails, "
        f"{totals['Address']:,} addresses, {totals['Consent']:,} consents "
        f"({totals['ConsentChange']:,} changes) in {elapsed:.1f} s (seed {seed}). "
        f"Demo users, password {DEMO_PASSWORD!r}: {logins}."
    )
