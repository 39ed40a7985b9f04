from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def heartbeat_seconds() -> int:
    """D-9: the heartbeat interval the lesson page's script uses."""
    return settings.LEARNING_HEARTBEAT_SECONDS
