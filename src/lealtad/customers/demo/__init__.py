"""Realistic Spanish-language demo customers, loaded fast enough for a million of them.

What it makes, deterministically for a seed: people with one or two given names and two family
names (particles such as "de la Cruz" and Kichwa/Quechua surnames included), valid Ecuadorian
cédulas for most (some Peruvian DNI and Mexican CURP, a few cédulas with a typo flagged
invalid), unique mobile phones and emails, households sharing a landline and a home address,
Quito/Guayaquil/Cuenca (and Lima, Mexico City) addresses, consents with their history, the
profile fields of the ficha de cliente and a multi-channel contact history. Every customer
also gets the identifiers, phones, emails and per-channel activity rows that the services and
the hub subscribers would have written for the same data.

The parts: the vocabulary (:mod:`.names`, :mod:`.places`, :mod:`.profile_values`,
:mod:`.interactions`), unique keys per country (:mod:`.identifiers`), the pure chunk
generator (:mod:`.generator`, no Django), the bulk writer per database (:mod:`.writer`), the
demo logins (:mod:`.users`) and the use case the CLI calls (:mod:`.loading`).
"""
