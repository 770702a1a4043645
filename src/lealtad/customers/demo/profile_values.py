"""Values of the ficha de cliente's profile fields, channels and consent methods, with the
weights the demo draws them by."""

from __future__ import annotations

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
