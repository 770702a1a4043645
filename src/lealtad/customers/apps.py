from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "lealtad.customers"
    label = "customers"
