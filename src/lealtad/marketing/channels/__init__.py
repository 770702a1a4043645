"""Channel adapters: how a chunk of campaign messages is handed over on each channel (SMTP,
an SMS gateway, the contact center's dialer, a direct-mail file). Each writes the hand-off
journal as it goes, so a crashed send knows which messages left (``journal``)."""
