"""The `trygg` command: friendly wrappers around the services and Django's management commands.

Commands stay thin: they parse options, call a service and print what it did.
"""

# Importing the command modules adds their commands to ``main``.
from .accounts import (
    createuser,
    roles,
    token,
)
from .analysis import (
    analyze,
)
from .auditing import (
    anchor,
    audit,
    grants,
    verify,
)
from .base import (
    DEFAULT_SETTINGS,
    DEMO_MARKER,
    DEMO_SETTINGS,
    INPUT_FILE,
    InputFailure,
    default_settings_module,
    main,
)
from .importing import (
    import_areas,
    import_crimes,
    import_group,
    import_population,
    import_survey,
)
from .running import (
    demo,
    gallra,
    manage,
    migrate,
    serve,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "DEMO_MARKER",
    "DEMO_SETTINGS",
    "INPUT_FILE",
    "InputFailure",
    "analyze",
    "anchor",
    "audit",
    "createuser",
    "default_settings_module",
    "demo",
    "gallra",
    "grants",
    "import_areas",
    "import_crimes",
    "import_group",
    "import_population",
    "import_survey",
    "main",
    "manage",
    "migrate",
    "roles",
    "serve",
    "token",
    "verify",
]
