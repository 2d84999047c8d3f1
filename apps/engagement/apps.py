from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """What the district hears back from the people it serves: service ratings (好差评) now; policy
    matching, events and requests to the district later."""

    name = "apps.engagement"
    verbose_name = _("政民互动")
