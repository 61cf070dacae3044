from django.apps import AppConfig


class ShopActionsConfig(AppConfig):
    name = "shop_actions"
