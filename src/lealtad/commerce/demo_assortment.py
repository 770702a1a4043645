"""What the demo company sells and where: a pharmacy corner, a phone shop and a clothes rail,
with stores in the demo customers' cities, and the *missions* people come in for (what is
bought together, so market-basket rules find real pairs with clear lift).

Plain data, no Django: :mod:`.demo_purchases` draws baskets from it and
:mod:`.demo_history` writes it to the catalog.
"""

from __future__ import annotations

# category: (Spanish name, English name, gross margin: the share of the price that is profit)
CATEGORIES: dict[str, tuple[str, str, float]] = {
    "analgesicos": ("Analgésicos", "Pain relief", 0.35),
    "vitaminas": ("Vitaminas", "Vitamins", 0.45),
    "cuidado": ("Cuidado personal", "Personal care", 0.40),
    "celulares": ("Celulares", "Phones", 0.25),
    "accesorios": ("Accesorios", "Accessories", 0.60),
    "planes": ("Planes y recargas", "Plans and top-ups", 0.55),
    "camisas": ("Camisas", "Shirts", 0.50),
    "pantalones": ("Pantalones", "Trousers", 0.50),
}

# (product code, Spanish name, English name, category, price before tax, variants)
# variants: (SKU suffix, attributes); one variant with the product's code when empty.
PRODUCTS: tuple[tuple[str, str, str, str, str, tuple[tuple[str, dict[str, str]], ...]], ...] = (
    ("FAR-PARA", "Paracetamol 500 mg x 20", "Paracetamol 500 mg x 20", "analgesicos", "3.20", ()),
    ("FAR-IBU", "Ibuprofeno 400 mg x 10", "Ibuprofen 400 mg x 10", "analgesicos", "3.90", ()),
    ("FAR-VITC", "Vitamina C 1 g efervescente x 10", "Vitamin C 1 g x 10", "vitaminas", "5.60", ()),
    ("FAR-ZINC", "Zinc + vitamina C x 30", "Zinc + vitamin C x 30", "vitaminas", "7.80", ()),
    ("FAR-SOLAR", "Protector solar FPS 50", "Sunscreen SPF 50", "cuidado", "14.90", ()),
    ("FAR-GEL", "Alcohol en gel 500 ml", "Hand sanitizer 500 ml", "cuidado", "4.50", ()),
    ("FAR-SUERO", "Suero oral 500 ml", "Oral rehydration 500 ml", "cuidado", "1.90", ()),
    ("TEL-BRISA", "Celular Brisa 64 GB", "Brisa phone 64 GB", "celulares", "129.00", ()),
    ("TEL-NOVA", "Celular Nova 5G 128 GB", "Nova 5G phone 128 GB", "celulares", "229.00", ()),
    (
        "TEL-AURORA",
        "Celular Aurora Pro 256 GB",
        "Aurora Pro phone 256 GB",
        "celulares",
        "449.00",
        (),
    ),
    (
        "ACC-FUNDA",
        "Funda protectora",
        "Protective case",
        "accesorios",
        "12.90",
        (("NEG", {"color": "negro"}), ("AZU", {"color": "azul"})),
    ),
    ("ACC-MICA", "Protector de pantalla", "Screen protector", "accesorios", "8.90", ()),
    ("ACC-AUDI", "Audífonos inalámbricos", "Wireless earbuds", "accesorios", "39.90", ()),
    ("ACC-CARG", "Cargador rápido 25 W", "25 W fast charger", "accesorios", "19.90", ()),
    ("PLN-CHIP", "Chip prepago con 15 GB", "Prepaid SIM with 15 GB", "planes", "10.00", ()),
    ("PLN-REC10", "Recarga 10", "Top-up 10", "planes", "8.70", ()),
    ("PLN-REC20", "Recarga 20", "Top-up 20", "planes", "17.39", ()),
    (
        "CAM-OXF",
        "Camisa Oxford celeste",
        "Light-blue Oxford shirt",
        "camisas",
        "34.90",
        tuple((f"CEL-{s}", {"talla": s, "color": "celeste"}) for s in ("S", "M", "L")),
    ),
    (
        "CAM-POL",
        "Camiseta polo piqué",
        "Piqué polo shirt",
        "camisas",
        "24.90",
        tuple((s, {"talla": s}) for s in ("S", "M", "L")),
    ),
    (
        "PAN-CHI",
        "Pantalón chino azul marino",
        "Navy chino trousers",
        "pantalones",
        "44.90",
        tuple((f"AZM-{s}", {"talla": s, "color": "azul marino"}) for s in ("30", "32", "34")),
    ),
)

# mission: (core products, one drawn; companions: (product, probability))
MISSIONS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, float], ...]]] = {
    "pain": (("FAR-PARA", "FAR-IBU"), (("FAR-VITC", 0.55), ("FAR-SUERO", 0.2))),
    "vitamins": (("FAR-VITC", "FAR-ZINC"), (("FAR-GEL", 0.12),)),
    "sun": (("FAR-SOLAR",), (("FAR-GEL", 0.3),)),
    "phone": (
        ("TEL-BRISA", "TEL-BRISA", "TEL-NOVA", "TEL-AURORA"),
        (("ACC-FUNDA", 0.75), ("ACC-MICA", 0.55), ("PLN-CHIP", 0.6)),
    ),
    "top_up": (("PLN-REC10", "PLN-REC10", "PLN-REC20"), ()),
    "accessory": (("ACC-AUDI", "ACC-CARG"), (("ACC-FUNDA", 0.1),)),
    "clothes": (("CAM-OXF", "CAM-OXF", "CAM-POL"), (("PAN-CHI", 0.45),)),
}
# Something picked up on the way, whatever the mission (rarely).
IMPULSE = ("FAR-GEL", "FAR-SUERO", "ACC-MICA", "PLN-REC10", "CAM-POL")

# Mission weights per persona (the rest use "default").
MISSION_WEIGHTS: dict[str, dict[str, int]] = {
    "default": {
        "pain": 20,
        "vitamins": 12,
        "sun": 8,
        "phone": 3,
        "top_up": 10,
        "accessory": 15,
        "clothes": 32,
    },
    "one_time": {  # what someone comes in once for
        "pain": 10,
        "vitamins": 6,
        "sun": 10,
        "phone": 8,
        "top_up": 6,
        "accessory": 22,
        "clothes": 38,
    },
    "mvc": {
        "pain": 16,
        "vitamins": 12,
        "sun": 8,
        "phone": 6,
        "top_up": 10,
        "accessory": 16,
        "clothes": 32,
    },
    "costly": {"pain": 30, "top_up": 45, "accessory": 10, "clothes": 15},
}

# Stores in each demo city (the customers' cities) and the warehouse each country ships from.
# (code, name, kind, address, city, country)
LOCATIONS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("UIO-BODEGA", "Bodega Central Quito", "warehouse", "Panamericana Sur km 6", "Quito", "EC"),
    (
        "UIO-QUICENTRO",
        "Tienda Quicentro",
        "store",
        "Av. Naciones Unidas y Av. 6 de Diciembre",
        "Quito",
        "EC",
    ),
    (
        "UIO-AMAZONAS",
        "Tienda Amazonas",
        "store",
        "Av. Amazonas N35-17 y Juan Pablo Sanz",
        "Quito",
        "EC",
    ),
    (
        "UIO-RECREO",
        "Tienda El Recreo",
        "store",
        "Av. Pedro Vicente Maldonado S11-122",
        "Quito",
        "EC",
    ),
    (
        "GYE-MALLDELSOL",
        "Tienda Mall del Sol",
        "store",
        "Av. Juan Tanca Marengo, Guayaquil",
        "Guayaquil",
        "EC",
    ),
    (
        "GYE-RIOCENTRO",
        "Tienda Riocentro Norte",
        "store",
        "Av. Francisco de Orellana",
        "Guayaquil",
        "EC",
    ),
    (
        "CUE-MALLDELRIO",
        "Tienda Mall del Río",
        "store",
        "Av. Felipe II y Circunvalación Sur",
        "Cuenca",
        "EC",
    ),
    ("LIM-JOCKEY", "Tienda Jockey Plaza", "store", "Av. Javier Prado Este 4200", "Lima", "PE"),
    (
        "MEX-POLANCO",
        "Tienda Polanco",
        "store",
        "Av. Presidente Masaryk 120",
        "Ciudad de México",
        "MX",
    ),
)
WAREHOUSES = {"EC": "UIO-BODEGA", "PE": "LIM-JOCKEY", "MX": "MEX-POLANCO"}
TAX_RATES = {"EC": "0.1500", "PE": "0.1800", "MX": "0.1600"}
STORE_STOCK, WAREHOUSE_STOCK = 60, 600  # units of each variant on the shelf after the history

# Historic campaigns (inactive now, so they price nothing new): (code, name, kind, value)
PROMOTIONS = (
    ("BIENVENIDA-10", "10% en la primera compra en línea", "percent", "10"),
    ("COMBO-DOLOR", "15% en vitamina C con tu analgésico", "bundle", "15"),
    ("CYBER-20", "Cyber days: 20% en todo", "percent", "20"),
    ("CORTESIA-15", "15% de cortesía por un reclamo", "percent", "15"),
)


def variants() -> list[tuple[str, str, str, str, dict[str, str]]]:
    """Every SKU: (sku, product code, description, price, attributes)."""
    found: list[tuple[str, str, str, str, dict[str, str]]] = []
    for code, name_es, _, _, price, kinds in PRODUCTS:
        if not kinds:
            found.append((code, code, name_es, price, {}))
        for suffix, attributes in kinds:
            label = " / ".join(attributes.values())
            found.append((f"{code}-{suffix}", code, f"{name_es} {label}", price, attributes))
    return found
