"""Django's own interface strings that its Swedish catalogue does not have yet.

Listed here so that ``makemessages`` keeps them in Trygg's catalogue, which is read before
Django's (``LOCALE_PATHS``)."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (
    # Django 6.1's empty choice of a select (BLANK_CHOICE_LABEL).
    gettext_noop("- Select an option -"),
)
