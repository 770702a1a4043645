from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "lealtad.commerce"
    label = "commerce"
