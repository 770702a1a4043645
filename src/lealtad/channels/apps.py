from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "lealtad.channels"
    label = "channels"
