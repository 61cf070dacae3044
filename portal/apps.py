from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from flows.context_providers import email_context_register

        from . import sections
        from .links import customer_portal_link_provider

        sections.portal_section_register(sections.MY_ORDERS)
        sections.portal_section_register(sections.PREFERENCES)
        email_context_register(customer_portal_link_provider())
