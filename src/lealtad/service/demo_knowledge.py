# ruff: noqa: E501  (the articles' texts are kept one per line)
"""Demo knowledge base: forty articles of a telecom, retail and pharmacy company (Spanish
first, English for half of them). The labelled suggestion test set
(``tests/service/knowledge_suggest_set.py``) points at these keys. Longer than 500 lines
because it is data: the articles, the tree and the scripts are read together when the test set
changes, and the code is two short loaders."""

from __future__ import annotations

from typing import Any

from lealtad.core.audit import Actor
from lealtad.service.services.knowledge import ArticleDraft, Version, save_article
from lealtad.service.services.knowledge_trees import save_script, save_tree

# key, category, subtype, public FAQ?, Spanish title, Spanish body, English title, English body
ARTICLES: list[tuple[str, str, str, bool, str, str, str, str]] = [
    (
        "ciclo-facturacion",
        "billing_inquiry",
        "billing_cycle",
        True,
        "Ciclo de facturación: cuándo se emite y vence su factura",
        "La factura se emite el día 1 de cada mes y vence el día 15. Si cambió de plan a mitad de ciclo verá un cobro proporcional. Puede consultar la fecha de corte en Mi Cuenta.",
        "Billing cycle: when your bill is issued and due",
        "The bill is issued on the 1st of each month and is due on the 15th. A plan change mid-cycle shows a prorated charge. See your cut-off date in My Account.",
    ),
    (
        "factura-no-llega",
        "billing_inquiry",
        "billing_cycle",
        True,
        "No recibí mi factura por correo electrónico",
        "Revise la carpeta de spam y que su correo esté actualizado en Mi Cuenta. Puede descargar la factura en PDF desde la web o pedir el reenvío al asesor. La factura electrónica llega dentro de las 48 horas tras la emisión.",
        "I did not receive my bill by email",
        "Check your spam folder and that your email is up to date in My Account. Download the PDF bill from the website or ask an agent to resend it.",
    ),
    (
        "cobro-doble",
        "complaint",
        "billing_error",
        False,
        "Cobro duplicado o cargo indebido en la factura",
        "Si el cliente ve dos cargos por el mismo concepto o un cobro que no reconoce, verifique los pagos en el sistema de recaudo. Si el pago está duplicado, abra una reclamación de facturación y genere la nota de crédito; el reembolso se acredita en 5 a 10 días hábiles.",
        "Double charge or wrong charge on the bill",
        "If the customer sees two charges for the same item or a charge they do not recognise, check the payments; for a duplicate payment open a billing claim and issue a credit note.",
    ),
    (
        "reembolso-plazos",
        "complaint",
        "billing_error",
        True,
        "Plazos de reembolso y devolución de dinero",
        "Los reembolsos se devuelven al mismo medio de pago: tarjeta de crédito 5 a 10 días hábiles, transferencia bancaria 3 días, efectivo en tienda de inmediato.",
        "",
        "",
    ),
    (
        "cambio-plan",
        "account_maintenance",
        "product_change",
        True,
        "Cómo cambiar de plan móvil",
        "Puede subir de plan en cualquier momento y el cambio aplica de inmediato con cobro proporcional. Para bajar de plan el cambio aplica en el siguiente ciclo de facturación. Hágalo en Mi Cuenta, la app o llamando al centro de atención.",
        "How to change your mobile plan",
        "Upgrades apply at once with a prorated charge; downgrades apply from the next billing cycle. Use My Account, the app or call us.",
    ),
    (
        "planes-precios",
        "billing_inquiry",
        "price_plan",
        True,
        "Planes y precios vigentes",
        "Tenemos planes prepago y pospago con gigas, minutos ilimitados y redes sociales sin consumo. Compare precios y beneficios en la web; los precios incluyen impuestos.",
        "Current plans and prices",
        "Prepaid and postpaid plans with data, unlimited minutes and social media included. Compare prices and benefits on the website; prices include taxes.",
    ),
    (
        "cambio-tarifa",
        "billing_inquiry",
        "rate_change",
        False,
        "Aviso de cambio de tarifa o reajuste de precio",
        "Cuando la tarifa se reajusta avisamos con 30 días de anticipación por SMS y correo. El cliente puede cambiar a otro plan sin penalidad durante ese periodo.",
        "",
        "",
    ),
    (
        "ofertas-especiales",
        "billing_inquiry",
        "special_offer",
        True,
        "Ofertas y promociones especiales",
        "Las promociones vigentes (descuento por portabilidad, doble de gigas, equipo a mitad de precio) se aplican al contratar. Consulte condiciones y vigencia de cada oferta.",
        "Special offers and promotions",
        "Current promotions (number transfer discount, double data, half-price phone) apply when you sign up. Check each offer's terms and dates.",
    ),
    (
        "conciliacion-pagos",
        "billing_inquiry",
        "reconciliation",
        False,
        "Pago realizado que no aparece registrado",
        "Si el cliente pagó y su cuenta sigue con deuda, pida el comprobante (número de operación, banco, fecha). Los pagos en bancos tardan hasta 48 horas en reflejarse; si pasó ese plazo, registre la conciliación manual con el comprobante.",
        "A payment made that does not show",
        "Ask for the receipt (operation number, bank, date). Bank payments take up to 48 hours to show; after that, record a manual reconciliation.",
    ),
    (
        "internet-caido",
        "post_sale",
        "service_problem",
        True,
        "Sin internet en casa: qué revisar",
        "Reinicie el módem o router desconectándolo 30 segundos. Verifique que las luces de internet y PON estén encendidas y que los cables estén bien conectados. Si la luz LOS está roja hay un corte en la fibra y debe reportarse la avería.",
        "No internet at home: what to check",
        "Restart the modem or router by unplugging it for 30 seconds. Check the internet and PON lights and the cables. A red LOS light means a fibre cut: report the fault.",
    ),
    (
        "internet-lento",
        "post_sale",
        "service_problem",
        True,
        "Internet lento o velocidad menor a la contratada",
        "Mida la velocidad con cable conectado al router, no por wifi. Cambie el canal del wifi o use la banda de 5 GHz. Si la velocidad medida por cable es menor al 70% de la contratada, abra una avería técnica.",
        "Slow internet or speed below your plan",
        "Measure speed with a cable to the router, not over wifi. Change the wifi channel or use the 5 GHz band. Below 70% of your plan by cable, open a fault.",
    ),
    (
        "sin-senal-movil",
        "post_sale",
        "service_problem",
        True,
        "Sin señal o sin cobertura en el celular",
        "Active y desactive el modo avión, reinicie el teléfono y verifique que la SIM esté bien insertada. Consulte el mapa de cobertura; si hay una falla masiva en la zona se informa en la web.",
        "No signal or coverage on the phone",
        "Toggle airplane mode, restart the phone and reseat the SIM card. Check the coverage map; area-wide outages are posted on the website.",
    ),
    (
        "wifi-contrasena",
        "post_sale",
        "service_problem",
        True,
        "Cambiar la contraseña o el nombre del wifi",
        "Ingrese a 192.168.1.1 desde un navegador con el usuario y clave de la etiqueta del router, vaya a Wifi y cambie nombre de red y contraseña. También puede hacerlo desde la app.",
        "Change the wifi password or network name",
        "Open 192.168.1.1 in a browser with the user and password on the router's label, go to Wifi and change the network name and password.",
    ),
    (
        "tv-sin-senal",
        "post_sale",
        "service_problem",
        True,
        "La televisión muestra sin señal",
        "Verifique que el decodificador esté encendido y el cable HDMI conectado en la entrada correcta del televisor. Reinicie el decodificador. Si el mensaje continúa, reporte la falla del servicio de cable.",
        "",
        "",
    ),
    (
        "chip-bloqueado",
        "post_sale",
        "service_problem",
        False,
        "SIM bloqueada: código PUK",
        "Tras tres intentos fallidos del PIN la SIM se bloquea. Entregue el código PUK al titular después de validar su identidad con cédula; diez intentos fallidos de PUK inutilizan la SIM y debe reponerse.",
        "Locked SIM: PUK code",
        "After three wrong PIN attempts the SIM locks. Give the PUK to the holder after checking their ID; ten wrong PUK attempts disable the SIM.",
    ),
    (
        "robo-perdida",
        "account_maintenance",
        "product_change",
        True,
        "Robo o pérdida del celular: bloqueo de línea y equipo",
        "Llame de inmediato para suspender la línea y bloquear el IMEI del equipo robado. Luego puede pedir un chip de reposición en tienda con su cédula conservando su número.",
        "Stolen or lost phone: blocking the line and the phone",
        "Call at once to suspend the line and block the stolen phone's IMEI. Then get a replacement SIM in store with your ID and keep your number.",
    ),
    (
        "portabilidad",
        "pre_sale",
        "features",
        True,
        "Portabilidad: cámbiate con tu mismo número",
        "Traiga su número de otro operador sin perderlo. Necesita su cédula y estar al día en pagos; la portación se completa en 24 a 72 horas y no tiene costo.",
        "Number portability: switch and keep your number",
        "Bring your number from another carrier. You need your ID and no debt; the transfer takes 24 to 72 hours and is free.",
    ),
    (
        "cancelar-servicio",
        "account_maintenance",
        "cancellation",
        True,
        "Cancelar o dar de baja el servicio",
        "Para dar de baja la línea o el internet el titular debe solicitarlo con su cédula. Si tiene contrato con permanencia mínima, se cobra la penalidad por los meses restantes. Los equipos en comodato (módem, decodificador) deben devolverse.",
        "Cancel your service",
        "The account holder asks with their ID. Contracts with a minimum term charge a penalty for the remaining months. Loaned equipment (modem, set-top box) must be returned.",
    ),
    (
        "cambio-titular",
        "account_maintenance",
        "name",
        False,
        "Cambio de titular o corrección de nombre",
        "El cambio de titular requiere la presencia de ambas personas con cédula y que la cuenta esté al día. Para corregir un error de escritura en el nombre basta la cédula del titular.",
        "Change of account holder or name correction",
        "A change of holder needs both people with their IDs and no debt. A spelling fix to the name needs only the holder's ID.",
    ),
    (
        "cambio-direccion",
        "account_maintenance",
        "address",
        True,
        "Mudanza: traslado del servicio a otra dirección",
        "Solicite el traslado indicando la nueva dirección; verificamos la factibilidad técnica y agendamos la instalación. El traslado tiene un costo único y el servicio se corta en la dirección anterior ese día.",
        "Moving house: moving your service",
        "Ask for the move with your new address; we check coverage and book the installation. Moving has a one-off fee.",
    ),
    (
        "politica-devoluciones",
        "post_sale",
        "complaint",
        True,
        "Política de devoluciones y cambios",
        "Puede devolver un producto dentro de 30 días con la boleta o factura, en su empaque original y sin uso. Las compras web pueden devolverse en cualquier tienda. El dinero se reembolsa al mismo medio de pago.",
        "Return and exchange policy",
        "Return a product within 30 days with the receipt, in its original packaging and unused. Web orders can be returned in any store. The money goes back to the same payment method.",
    ),
    (
        "garantia-equipos",
        "post_sale",
        "service_problem",
        True,
        "Garantía de equipos y electrodomésticos",
        "Los equipos tienen 12 meses de garantía por defectos de fábrica. Lleve el equipo con la boleta a un centro de servicio técnico; la reparación o el reemplazo no tiene costo. La garantía no cubre golpes, humedad ni pantalla rota.",
        "Warranty on phones and appliances",
        "Devices have a 12-month warranty against manufacturing defects. Bring the device and the receipt to a service centre; repair or replacement is free. Drops, water and broken screens are not covered.",
    ),
    (
        "pedido-retrasado",
        "post_sale",
        "complaint",
        True,
        "Mi pedido no llega: seguimiento del despacho",
        "Con el número de pedido puede seguir el despacho en la web. El plazo de entrega es de 2 a 5 días hábiles; si pasó el plazo, el agente abre un reclamo con la transportista.",
        "My order has not arrived: tracking the delivery",
        "Track the delivery on the website with your order number. Delivery takes 2 to 5 working days; after that an agent opens a claim with the carrier.",
    ),
    (
        "producto-danado",
        "complaint",
        "quality",
        False,
        "Producto llegó dañado o defectuoso",
        "Pida fotos del producto y del empaque. Si llegó roto o no funciona, se ofrece cambio inmediato o reembolso sin esperar la revisión técnica.",
        "A product arrived damaged or faulty",
        "Ask for photos of the product and packaging. If it arrived broken or does not work, offer an immediate exchange or refund.",
    ),
    (
        "receta-medica",
        "pre_sale",
        "features",
        True,
        "Medicamentos con receta médica",
        "Los medicamentos con receta se venden presentando la receta física o digital vigente. Los antibióticos requieren receta retenida. El químico farmacéutico puede orientar sobre genéricos equivalentes.",
        "Prescription medicines",
        "Prescription medicines are sold with a valid paper or digital prescription. Antibiotics need the prescription kept by the pharmacy.",
    ),
    (
        "delivery-farmacia",
        "pre_sale",
        "features",
        True,
        "Delivery de farmacia: cobertura y horarios",
        "Entregamos medicamentos a domicilio de 8:00 a 22:00 en las zonas de cobertura; el envío es gratis sobre cierto monto. Pedidos con receta requieren subir la foto de la receta.",
        "",
        "",
    ),
    (
        "ubicacion-tiendas",
        "pre_sale",
        "branch_location",
        True,
        "Ubicación y horario de tiendas y farmacias",
        "Encuentre la tienda o farmacia más cercana y su horario en el buscador de locales de la web. Algunas farmacias atienden las 24 horas.",
        "Store and pharmacy locations and hours",
        "Find the nearest store or pharmacy and its opening hours with the store finder on the website. Some pharmacies are open 24 hours.",
    ),
    (
        "limite-credito",
        "pre_sale",
        "credit_limit",
        False,
        "Límite de crédito para compra de equipos en cuotas",
        "El límite de crédito depende de la evaluación crediticia y de la antigüedad como cliente. Se puede financiar un equipo en hasta 24 cuotas sin interés con la línea pospago.",
        "Credit limit for buying phones in instalments",
        "The credit limit depends on the credit check and how long you have been a customer. Phones can be paid in up to 24 interest-free instalments.",
    ),
    (
        "precio-equipos",
        "pre_sale",
        "price",
        True,
        "Precio de celulares y equipos",
        "El precio del equipo varía según el plan contratado: con plan pospago el celular cuesta menos. Consulte el catálogo en la web con precios al contado y en cuotas.",
        "",
        "",
    ),
    (
        "telemarketing-llamadas",
        "complaint",
        "telemarketing",
        True,
        "Dejar de recibir llamadas de venta (telemarketing)",
        "Puede retirar su consentimiento para llamadas comerciales en Mi Cuenta, preferencias de contacto, o pedirlo al agente. El cambio se aplica en 48 horas.",
        "Stop sales calls (telemarketing)",
        "Withdraw your consent to sales calls in My Account, contact preferences, or ask an agent. It takes effect within 48 hours.",
    ),
    (
        "publicidad-correo",
        "complaint",
        "direct_mail",
        False,
        "Dejar de recibir publicidad por correo o SMS",
        "Use el enlace de desuscripción del correo o responda BAJA al SMS. El agente también puede quitar el consentimiento de marketing en la ficha del cliente.",
        "",
        "",
    ),
    (
        "publicidad-enganosa",
        "complaint",
        "advertising",
        False,
        "Reclamo por publicidad o promoción no respetada",
        "Si el cliente reclama que la oferta anunciada no se respetó, pida la pieza publicitaria (captura, folleto) y verifique las condiciones. Si corresponde, aplique el precio anunciado y registre el reclamo.",
        "",
        "",
    ),
    (
        "recarga-saldo",
        "billing_inquiry",
        "price_plan",
        True,
        "Recargas de saldo prepago",
        "Recargue saldo en la app, la web, bancos o tiendas. El saldo de recarga vence a los 30 días; los paquetes de gigas se compran con saldo.",
        "Prepaid top-ups",
        "Top up in the app, the website, banks or stores. Top-up credit expires after 30 days; data packs are bought with credit.",
    ),
    (
        "roaming",
        "pre_sale",
        "features",
        True,
        "Roaming internacional: activar y costos",
        "Active el roaming en la app antes de viajar. Hay paquetes de roaming por días con datos y minutos; sin paquete se cobra por consumo a tarifa internacional.",
        "International roaming: activation and costs",
        "Turn on roaming in the app before travelling. Daily roaming packs include data and minutes; without a pack you pay the international rate.",
    ),
    (
        "reclamo-atencion",
        "other",
        "center_complaint",
        False,
        "Reclamo por la atención recibida",
        "Registre el reclamo con fecha, canal y nombre del asesor si el cliente lo tiene. El supervisor revisa la grabación de la llamada y contacta al cliente en 48 horas.",
        "",
        "",
    ),
    (
        "libro-reclamaciones",
        "complaint",
        "quality",
        True,
        "Libro de reclamaciones y plazos de respuesta",
        "Puede presentar un reclamo formal en el libro de reclamaciones de la web o de la tienda. Respondemos por escrito en un plazo máximo de 15 días hábiles.",
        "",
        "",
    ),
    (
        "vpn-acceso",
        "internal",
        "it",
        False,
        "No puedo entrar a la VPN de la empresa",
        "Verifique usuario y contraseña de red, que el segundo factor esté activo en el celular y que la hora del equipo sea correcta. Si la clave expiró, cámbiela en el portal de autoservicio.",
        "",
        "",
    ),
    (
        "vacaciones-solicitud",
        "internal",
        "hr",
        False,
        "Solicitar vacaciones o permisos",
        "Las vacaciones se piden en el portal de recursos humanos con 15 días de anticipación y las aprueba el jefe directo.",
        "",
        "",
    ),
    (
        "bloqueo-deuda",
        "billing_inquiry",
        "billing_cycle",
        True,
        "Servicio suspendido por falta de pago",
        "Si la factura no se paga a tiempo, el servicio se suspende a los 5 días del vencimiento. Al pagar la deuda la reconexión es automática en un máximo de 2 horas.",
        "Service suspended for non-payment",
        "If the bill is not paid on time the service is suspended 5 days after the due date. Once paid, it is reconnected within 2 hours.",
    ),
    (
        "contrato-permanencia",
        "account_maintenance",
        "cancellation",
        False,
        "Permanencia mínima y penalidad del contrato",
        "Los planes con equipo subsidiado tienen permanencia mínima de 12 o 18 meses. Si el cliente cancela antes, paga la penalidad proporcional al subsidio restante.",
        "",
        "",
    ),
    (
        "factura-detalle",
        "billing_inquiry",
        "reconciliation",
        True,
        "Entender el detalle de la factura",
        "La factura muestra el cargo fijo del plan, consumos adicionales, cuotas de equipo, descuentos e impuestos. Los consumos fuera del plan aparecen detallados por fecha.",
        "Understanding your bill",
        "The bill shows the plan's fixed charge, extra usage, phone instalments, discounts and taxes. Usage outside the plan is listed by date.",
    ),
]


def load(actor: Actor | None = None) -> int:
    """Save (or refresh) the demo articles, all published; returns how many."""
    actor = actor or Actor.system("demo")
    for key, category, subtype, faq, es_t, es_b, en_t, en_b in ARTICLES:
        versions = [Version("es", es_t, f"<p>{es_b}</p>")]
        if en_t:
            versions.append(Version("en", en_t, f"<p>{en_b}</p>"))
        save_article(
            ArticleDraft(
                key=key,
                category=category,
                subtype=subtype,
                versions=versions,
                status="published",
                is_faq=faq,
                audience="public" if faq else "internal",
            ),
            actor,
        )
    return len(ARTICLES)


TREES: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "sin-internet",
        "es",
        "Sin internet en casa",
        "post_sale",
        {
            "start": {
                "question": "¿Qué luz del módem está encendida?",
                "answers": [
                    {"label": "LOS en rojo", "next": "corte"},
                    {"label": "Todas en verde", "next": "reinicio"},
                    {"label": "Ninguna", "next": "energia"},
                ],
            },
            "corte": {
                "solution": "Corte de fibra: registrar avería y agendar técnico.",
                "article": "internet-caido",
            },
            "energia": {
                "question": "¿El módem está enchufado y el tomacorriente funciona?",
                "answers": [
                    {"label": "Sí", "next": "cambio-equipo"},
                    {"label": "No", "next": "enchufar"},
                ],
            },
            "enchufar": {"solution": "Conectar el módem a un tomacorriente que funcione."},
            "cambio-equipo": {
                "solution": "Módem averiado: cambio de equipo en tienda o visita técnica."
            },
            "reinicio": {
                "question": "Tras reiniciar el módem 30 segundos, ¿navega?",
                "answers": [
                    {"label": "Sí", "next": "resuelto"},
                    {"label": "No", "next": "lento"},
                ],
            },
            "resuelto": {
                "solution": "Resuelto con el reinicio del módem.",
                "article": "internet-caido",
            },
            "lento": {
                "solution": "Medir velocidad por cable y abrir avería técnica.",
                "article": "internet-lento",
            },
        },
    ),
]

SCRIPTS: list[tuple[str, str, str, list[dict[str, str]]]] = [
    (
        "retencion-cancelacion",
        "es",
        "Retención ante una solicitud de baja",
        [
            {
                "say": "Lamento que quiera dejarnos. ¿Me cuenta qué le llevó a pedir la baja?",
                "note": "Escuchar sin interrumpir.",
            },
            {
                "say": "Entiendo. Veo que lleva {años} años con nosotros; quisiera ofrecerle una alternativa.",
                "note": "Revisar ofertas de retención en la ficha.",
            },
            {
                "say": "Puedo aplicarle un descuento del 30% por seis meses o pasarle a un plan más económico.",
                "note": "Máximo una oferta y una contraoferta.",
            },
            {
                "say": "Si aun así prefiere la baja, la registro ahora y le explico la devolución del equipo.",
                "note": "Respetar la decisión: sin insistir más.",
            },
        ],
    ),
    (
        "retencion-cancelacion",
        "en",
        "Retention when a customer asks to cancel",
        [
            {"say": "I'm sorry you want to leave. May I ask what made you decide?"},
            {"say": "I can offer 30% off for six months or a cheaper plan."},
            {
                "say": "If you still prefer to cancel, I'll record it now and explain returning the equipment."
            },
        ],
    ),
]


def load_trees(actor: Actor | None = None) -> int:
    """The demo troubleshooting tree and agent scripts (after ``load``: they link articles)."""
    actor = actor or Actor.system("demo")
    for key, language, title, category, nodes in TREES:
        save_tree(key, language, title, nodes, actor, category=category)
    for process, language, title, steps in SCRIPTS:
        save_script(process, language, title, steps, actor)
    return len(TREES) + len(SCRIPTS)
