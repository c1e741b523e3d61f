"""Language choice: Swedish unless the user has chosen otherwise in Trygg."""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Use the language the user picked (the language cookie), else Swedish.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on many
    municipal computers says English although the users work in Swedish.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
