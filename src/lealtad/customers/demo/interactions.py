"""Contact history templates per channel: what a call, a store visit or an e-mail of a
Latin American retailer or telecom says (subject, summary, what it relates to)."""

from __future__ import annotations

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
