"""Where demo customers live and are served: cities with their landline areas and postal
codes, street names with the cross streets of each city, stores and agents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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


def street(r: Callable[[], float], city: int, number: int) -> str:
    """An address line in the city's own style (Quito's block numbers, Guayaquil's
    ciudadelas, Lima's districts, Mexico City's colonias); draws from ``r``."""

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
