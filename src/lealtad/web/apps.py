from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lealtad.web"
    label = "web"
