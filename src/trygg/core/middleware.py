"""Language choice: Swedish unless the user has chosen otherwise in Trygg."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers


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


class NoStoreMiddleware:
    """Keep pages and answers about individuals out of every cache (browser, proxy, back
    button): all of /cases/ (cases, people, consents, concerns) and every signed-in API
    answer. The open data API, which answers anyone, stays cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        # Read the user after the view: DRF sets it there for token-authenticated calls.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if path.startswith("/cases/") or (path.startswith("/api/v1/") and signed_in):
            add_never_cache_headers(response)
        return response
