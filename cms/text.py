"""Small text helpers shared by every layer."""

from django.utils.translation import gettext


def join_messages(messages) -> str:
    """Several error messages in one line, with the separator of the active language
    (Chinese "；", English "; ")."""
    return gettext("；").join(str(m) for m in messages)
