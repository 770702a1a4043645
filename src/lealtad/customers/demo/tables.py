"""The tables demo rows are written to, with their columns in the order rows carry them."""

from __future__ import annotations

from lealtad.customers.demo.names import words

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Customer": words(
        "id kind given_names first_surname second_surname organization_name display_name "
        "search_name national_id national_id_type national_id_valid gender language "
        "marital_status birth_date income_band payment_methods purchase_motives "
        "health_insurance preferred_channel lifecycle_status first_contact_at "
        "first_contact_channel created_at created_by updated_at"
    ),
    "Household": ("id", "name", "declared_size", "created_at"),
    "HouseholdMember": ("household", "customer", "role"),
    "Phone": words("customer e164 raw kind is_mobile is_primary source created_at validity"),
    "Email": ("customer", "address", "is_primary", "source", "created_at"),
    "Address": words(
        "customer kind line1 line2 city region postal_code country valid_from valid_to source "
        "created_at"
    ),
    "Identifier": ("customer", "kind", "system", "value", "created_at"),
    "Consent": ("customer", "channel", "purpose", "granted", "updated_at"),
    "ConsentChange": words(
        "customer channel purpose granted recorded_at recorded_by method source_channel event_id "
        "proof proof_reference status confirmed_at"
    ),
    "Interaction": words(
        "customer occurred_at channel kind direction subject summary agent location "
        "related_type related_id event_id created_at"
    ),
    "ChannelActivity": ("customer", "channel", "contacts", "last_contact_at"),
}
# Parents first: the order rows are written in.
TABLE_ORDER = tuple(TABLE_COLUMNS)
