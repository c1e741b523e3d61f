from django.conf import settings

from .navigation import menu_for


def trygg(request):
    menu = menu_for(request.user) if hasattr(request, "user") else []
    return {
        "navigation": menu,
        # The user menu's "API keys" goes with the main menu's "API": whoever has no use
        # for the API sees neither.
        "api_menu": any(item["name"] == "api" or "api" in item.get("names", ()) for item in menu),
        "demo_mode": settings.TRYGG_DEMO_MODE,
        "require_two_factor": settings.TRYGG_REQUIRE_TWO_FACTOR,
        "map_tiles": settings.TRYGG_MAP_TILES,
        "map_tiles_help_url": settings.TRYGG_MAP_TILES_HELP_URL,
    }
