from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo shops with a believable history, written through the real services (`seed_demo`)."""

    name = "demo"
