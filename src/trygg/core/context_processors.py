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
        "map_tile_url": settings.TRYGG_MAP_TILE_URL,
        "map_tile_attribution": settings.TRYGG_MAP_TILE_ATTRIBUTION,
    }
