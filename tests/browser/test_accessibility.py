"""axe-core over every page of every role: WCAG 2.1 AA (EN 301 549), which Swedish public
services must meet, and axe's best practices. A serious or critical violation fails the test,
with the route, the role, the rule and the offending elements.

The routes and who may see them come from tests/routes.yaml, the objects in their URLs from
the helpers of tests/test_routes.py, around the demo municipality with an analysis run, so
that the pages show what they show in use (maps, ranked areas, crime by hexagon) and not
empty states only. Each role signs in once, in a browser context of its own.

What is checked, to stay within the suite's budget: for every role, every GET route of the
matrix that answers that role 200 with an HTML page, and for the anonymous visitor also the
sign-in page. Django's test client fetches them all (cheap, in-process); the browser opens
the role's first page (its header and menu) and then each page whose content (<main>, form
tokens aside) no role's checked page has had byte for byte: same content, same CSS and
scripts, same result, so a second look adds time and nothing else. Pages whose content
depends on the role (buttons, links, forms that a capability brings) are checked per role.
The markup does not depend on the database, so the test runs on SQLite only (`markup`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, demo_with_run, user_in
from tests.test_routes import (
    MATRIX,
    action_objects,
    administration_objects,
    expectations,
    residents_objects,
    situation_objects,
    statistics_objects,
    url_for,
)
from trygg.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.markup]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
STANDARDS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
ACTORS = ["anonymous", *Role.values]

# Only the violations, and only serious and critical ones, come back from the page: asking axe
# for violations alone (resultTypes) keeps it from describing every passing element.
RUN_AXE = """async (standards) => {
    const results = await axe.run(document, {
        runOnly: standards,
        resultTypes: ['violations'],
    });
    return results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.map((n) => n.target.join(' ')),
        }));
}"""


# Pages that draw themselves after loading: what to wait for before checking them.
DRAWN = {"api-docs": ".opblock"}


def demo_world(tmp_path, settings):
    """The demo municipality with its analysis run and, around one of its areas, the objects
    the route matrix needs, made by the same helpers as tests/test_routes.py's world."""
    from trygg.accounts.models import SafetyGroup

    run = demo_with_run(tmp_path, settings)
    municipality = run.municipality
    group = SafetyGroup.objects.filter(municipality=municipality, areas__isnull=False).first()
    area = group.areas.order_by("code").first()
    objects = {"area": area, "group": group, "municipality": municipality, "run": run}
    objects |= situation_objects(municipality, area)
    objects |= action_objects(municipality, group)
    # The published report is a page of its own for the public: keep the run's real one,
    # which the statistics helper replaces with a stub.
    report = run.directory / "report.html"
    real_report = report.read_bytes()
    objects |= statistics_objects(municipality, run)
    report.write_bytes(real_report)
    objects |= residents_objects(area)
    objects |= administration_objects(municipality)
    return municipality, objects


def pages_for(actor: str, user, objects: dict) -> list[tuple[str, str, str]]:
    """The HTML pages the actor is answered 200 on: [(route, url, content)], where content is
    the page's <main> with its form tokens taken out. Django's test client fetches them cheaply
    (and tells the downloads and JSON, which the browser need not open, from the pages)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    pages = []
    for name in MATRIX:
        for who, target, expected in expectations(name):
            if who != actor or target == "other" or expected != 200:
                continue
            url = url_for(name, objects)
            response = client.get(url)
            html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code == 200 and html:
                body = b"".join(response) if response.streaming else response.content
                pages.append((name, url, main_content(body.decode())))
    return pages


def main_content(html: str) -> str:
    main = MAIN.search(html)
    return TOKEN.sub("", main.group(0) if main else html)


MAIN = re.compile(r"<main\b.*</main>", re.DOTALL)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def axe_violations(page, route: str, url: str) -> list[dict]:
    page.goto(url)
    if route in DRAWN:
        page.wait_for_selector(DRAWN[route])
    return serious_violations(page)


def serious_violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now (in a browser context
    with bypass_csp=True)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, STANDARDS)


def test_no_page_of_any_role_has_a_serious_accessibility_violation(
    browser, live_server, transactional_db, tmp_path, settings
):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    municipality, objects = demo_world(tmp_path, settings)
    found: list[str] = []
    checked: set[str] = set()  # the <main> of every page checked, whichever role saw it
    for actor in ACTORS:
        user = None if actor == "anonymous" else user_in(municipality, role=actor)
        pages = pages_for(actor, user, objects)
        # The site's Content Security Policy allows no inline script, which is how Playwright
        # adds axe: the test context lets it (the policy is tested in tests/deploy/).
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True
        )
        page = context.new_page()
        if user is None:
            pages.append(("account_login", "/accounts/login/", "sign-in"))
        else:
            sign_in(page, live_server.url, user.username, PASSWORD)
            page.wait_for_url(f"{live_server.url}/")
        for number, (route, url, content) in enumerate(pages):
            # The role's first page checks its header and menu; after that, a page whose
            # content another role's page has shown byte for byte has nothing new to check.
            if number > 0 and content in checked:
                continue
            checked.add(content)
            for violation in axe_violations(page, route, live_server.url + url):
                nodes = ", ".join(violation["nodes"][:5])
                more = len(violation["nodes"]) - 5
                found.append(
                    f"{route} ({url}) as {actor}: {violation['id']} [{violation['impact']}] "
                    f"on {nodes}{f' and {more} more' if more > 0 else ''}"
                )
        context.close()
    assert len(checked) > 100, f"only {len(checked)} pages checked: the world lacks objects"
    assert found == [], f"serious accessibility violations ({len(checked)} pages):\n" + "\n".join(
        found
    )
