"""The service desk's algorithms as plain Python: the SLA clock over business calendars and
what an inbound mail is and which case it belongs to. No Django: the ``service`` context
passes plain values in."""
