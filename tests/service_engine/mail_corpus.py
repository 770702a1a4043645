"""Real-shaped inbound mail, as the clients and servers we meet write it (bytes, CRLF)."""

from __future__ import annotations

import base64

SECRET = b"test-secret-not-for-production"
DESK = "soporte@lealtad.ec"


def crlf(text: str) -> bytes:
    return text.lstrip("\n").replace("\n", "\r\n").encode("utf-8")


def gmail_new(
    subject: str = "No me llega la factura de noviembre", sender: str = "ana.lopez@gmail.com"
) -> bytes:
    return crlf(f"""
MIME-Version: 1.0
Date: Thu, 3 Dec 2026 10:14:07 -0500
Message-ID: <CAF3xK9d7q=Vd9Jc2p+ZKQ@mail.gmail.com>
Subject: {subject}
From: Ana López <{sender}>
To: Soporte Lealtad <{DESK}>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"

--000000000000a1b2c3d4e5f6
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hola, desde el 1 de diciembre no recibo la factura electr=C3=B3nica.
Mi n=C3=BAmero de cliente es 88213.

Gracias,
Ana

--000000000000a1b2c3d4e5f6
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Hola, desde el 1 de diciembre no recibo la factura electr=
=C3=B3nica.<br>Mi n=C3=BAmero de cliente es 88213.<br><br>Gracias,<br>Ana</=
div>

--000000000000a1b2c3d4e5f6--
""")


def gmail_reply(in_reply_to: str, references: str, sender: str = "ana.lopez@gmail.com") -> bytes:
    return crlf(f"""
MIME-Version: 1.0
Date: Fri, 4 Dec 2026 08:01:55 -0500
In-Reply-To: <{in_reply_to}>
References: {references}
Message-ID: <CAF3xK9eR2=pQw8@mail.gmail.com>
Subject: Re: [CASO-4711] No me llega la factura de noviembre
From: Ana López <{sender}>
To: Soporte Lealtad <{DESK}>
Content-Type: text/plain; charset="UTF-8"

Ya me llegó, muchas gracias.

El jue, 3 dic 2026 a las 11:02, Soporte Lealtad escribió:
> Estimada Ana, le reenviamos la factura.
""")


def thread_index(guid: bytes, replies: int) -> str:
    """Outlook's header: 6 bytes of FILETIME, 16 of conversation GUID, 5 per reply."""
    return base64.b64encode(
        b"\x01\xdb\x5a\x3c\x11\x22" + guid + b"\x00\x00\x10\x20\x30" * replies
    ).decode()


OUTLOOK_GUID = bytes(range(16))


def outlook_reply(
    guid: bytes = OUTLOOK_GUID, sender: str = "jperez@constructora-andina.com.ec"
) -> bytes:
    # Outlook behind some gateways drops In-Reply-To/References but keeps Thread-Index.
    return crlf(f"""
From: "Perez, Juan" <{sender}>
To: "Soporte" <{DESK}>
Subject: RE: Equipo sin garantía
Thread-Topic: Equipo sin garantía
Thread-Index: {thread_index(guid, 2)}
Date: Fri, 4 Dec 2026 14:20:31 +0000
Message-ID: <DM6PR04MB4234A1B2C3D4E5F6@DM6PR04MB4234.namprd04.prod.outlook.com>
Accept-Language: es-EC, en-US
Content-Language: es-EC
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: multipart/alternative;
\tboundary="_000_DM6PR04MB4234A1B2C3D4E5F6DM6PR04MB4234namp_"
MIME-Version: 1.0

--_000_DM6PR04MB4234A1B2C3D4E5F6DM6PR04MB4234namp_
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Adjunto la foto del n=FAmero de serie.

--_000_DM6PR04MB4234A1B2C3D4E5F6DM6PR04MB4234namp_
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Adjunto la foto del n=FAmero de serie.</p></body></html>

--_000_DM6PR04MB4234A1B2C3D4E5F6DM6PR04MB4234namp_--
""")


def out_of_office_es() -> bytes:
    # Many servers send out-of-office replies with no RFC 3834 header at all.
    return crlf("""
From: Carlos Mena <cmena@distribuidoramena.com.pe>
To: soporte@lealtad.ec
Subject: =?UTF-8?Q?Respuesta_autom=C3=A1tica:_Su_caso_fue_recibido?=
Date: Fri, 4 Dec 2026 09:00:02 -0500
Message-ID: <oof-7781@distribuidoramena.com.pe>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Estaré fuera de la oficina hasta el 14 de diciembre, con acceso limitado al correo.
""")


def auto_submitted(header: str = "Auto-Submitted: auto-replied") -> bytes:
    return crlf(f"""
From: helpdesk@proveedor.co
To: soporte@lealtad.ec
Subject: Hemos recibido su mensaje
{header}
Message-ID: <ack-1@proveedor.co>
Content-Type: text/plain; charset=UTF-8

Su solicitud fue registrada con el número 55120.
""")


def dsn_bounce(original_message_id: str) -> bytes:
    return crlf(f"""
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx1.lealtad.ec>
To: soporte@lealtad.ec
Subject: Undelivered Mail Returned to Sender
Date: Fri, 4 Dec 2026 10:00:00 -0500
Message-ID: <20261204150000.1A2B3C@mx1.lealtad.ec>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1C2D3.1733324400/mx1.lealtad.ec"
Auto-Submitted: auto-replied

--B1C2D3.1733324400/mx1.lealtad.ec
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.lealtad.ec.
I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ana.lopez@gmial.com>: Host or domain name not found.

--B1C2D3.1733324400/mx1.lealtad.ec
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.lealtad.ec
Arrival-Date: Fri,  4 Dec 2026 09:59:58 -0500 (-05)

Final-Recipient: rfc822; ana.lopez@gmial.com
Original-Recipient: rfc822;ana.lopez@gmial.com
Action: failed
Status: 5.4.4
Diagnostic-Code: X-Postfix; Host or domain name not found.

--B1C2D3.1733324400/mx1.lealtad.ec
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Soporte Lealtad <soporte@lealtad.ec>
To: ana.lopez@gmial.com
Subject: [CASO-4711] No me llega la factura de noviembre
Message-ID: <{original_message_id}>

--B1C2D3.1733324400/mx1.lealtad.ec--
""")


def broken_mime() -> bytes:
    # A declared boundary that never appears, a charset nobody knows, a bad date, a
    # From header with an unclosed angle bracket.
    return crlf("""
From: Rosa Quispe <rquispe@correo.pe
To: soporte@lealtad.ec
Subject: Reclamo por cobro doble
Date: yesterday at noon
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-used"

--different-boundary
Content-Type: text/plain; charset="x-mystery-8"

Me cobraron dos veces el pedido 7731.
--different-boundary
""")


def unknown_charset() -> bytes:
    return b"\r\n".join(
        [
            b"From: luis@example.com.co",
            b"To: soporte@lealtad.ec",
            b"Subject: Garant\xeda",  # raw Latin-1 in a header
            b"Content-Type: text/plain; charset=x-klingon",
            b"Content-Transfer-Encoding: 8bit",
            b"",
            b"La garant\xeda de mi nevera venci\xf3 ayer.",
        ]
    )


def html_only() -> bytes:
    return crlf("""
From: tienda@cliente.mx
To: soporte@lealtad.ec
Subject: Pedido 9912 llegó incompleto
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8

<html><head><style>p {color: red}</style><script>alert('x')</script>
<title>ignored</title></head><body><p>Faltan <b>dos</b> piezas&nbsp;del pedido.</p>
<img src="https://tracker.example/pixel.gif"><ul><li>Bisagra</li><li>Tornillo</li></ul>
</body></html>
""")


def with_attachment(size: int, sender: str = "ana.lopez@gmail.com") -> bytes:
    """A mail with one ``size``-byte attachment, base64 at 76 columns as clients write it."""
    payload = base64.encodebytes(bytes(range(256)) * (size // 256) + b"\x00" * (size % 256))
    head = crlf(f"""
From: Ana López <{sender}>
To: {DESK}
Subject: Video del equipo fallando
Message-ID: <big-attachment@mail.gmail.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8

Adjunto el video.

--b1
Content-Type: video/mp4; name="falla.mp4"
Content-Disposition: attachment; filename="falla.mp4"
Content-Transfer-Encoding: base64

""")
    return head + payload.replace(b"\n", b"\r\n") + b"\r\n--b1--\r\n"


def responder(n: int, sender: str = "autoresponder@otrodesk.com") -> bytes:
    """A badly behaved auto-responder: no RFC 3834 header, an ordinary subject."""
    return crlf(f"""
From: {sender}
To: {DESK}
Subject: Re: Recibimos su mensaje ({n})
Message-ID: <loop-{n}@otrodesk.com>
Content-Type: text/plain; charset=UTF-8

Gracias por escribirnos. Le responderemos pronto.
""")
