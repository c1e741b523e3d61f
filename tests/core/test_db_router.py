"""Heavy reads on the standby; writes, a person's own fresh changes and a sick standby on the primary."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import ResolverMatch, get_resolver

from trygg.areas.models import Area
from trygg.core import db_router
from trygg.core.db_router import (
    REPLICA,
    WROTE_COOKIE,
    ReadRoutingMiddleware,
    ReplicaRouter,
    primary_only,
    replica_reads,
)

router = ReplicaRouter()


class Person:
    is_authenticated = True

    def __init__(self, pk: int):
        self.pk = pk


@pytest.fixture
def standby(monkeypatch):
    """A configured standby that answers with no lag (the health check is its own test)."""
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router.health, "usable", lambda: True)
    monkeypatch.setattr(db_router, "in_write_transaction", lambda: False)


def read_db() -> str:
    return router.db_for_read(Area) or "default"


def test_without_a_standby_every_read_is_on_the_primary():
    with replica_reads():
        assert read_db() == "default"


def test_only_reads_that_ask_for_the_standby_go_there(standby):
    assert read_db() == "default"
    with replica_reads():
        assert read_db() == REPLICA
        with primary_only():
            assert read_db() == "default"
    assert router.db_for_write(Area) == "default"


def test_reads_inside_a_write_transaction_stay_on_the_primary(standby, monkeypatch):
    monkeypatch.setattr(db_router, "in_write_transaction", lambda: True)
    with replica_reads():
        assert read_db() == "default"


def test_a_sick_or_lagging_standby_sends_reads_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "in_write_transaction", lambda: False)
    health = db_router._Health()
    monkeypatch.setattr(db_router, "health", health)
    before = db_router.read_counts()["primary_fallback"]
    for lag in (None, 60.0):
        monkeypatch.setattr(db_router, "replica_lag_seconds", lambda lag=lag: lag)
        health.forget()
        with replica_reads():
            assert read_db() == "default"
    assert db_router.read_counts()["primary_fallback"] == before + 2
    monkeypatch.setattr(db_router, "replica_lag_seconds", lambda: 0.4)
    health.forget()
    with replica_reads():
        assert read_db() == REPLICA


def test_the_standby_is_never_migrated_and_its_rows_relate_to_the_primarys():
    assert router.allow_migrate(REPLICA, "areas") is False
    assert router.allow_migrate("default", "areas") is True
    on_replica, on_primary = Area(), Area()
    on_replica._state.db, on_primary._state.db = REPLICA, "default"
    assert router.allow_relation(on_replica, on_primary) is True


def serve(request, view_name: str) -> HttpResponse:
    """The middleware around a view that answers with the database its reads would use."""
    middleware = ReadRoutingMiddleware(lambda request: view(request))

    def view(request):
        middleware.process_view(request, view, (), {})
        return HttpResponse(read_db())

    request.resolver_match = ResolverMatch(
        view,
        (),
        {},
        url_name=view_name.split(":")[1],
        app_names=[view_name.split(":")[0]],
        namespaces=[view_name.split(":")[0]],
    )
    return middleware(request)


@pytest.fixture
def requests(standby, settings):
    settings.TRYGG_READ_YOUR_WRITES_SECONDS = 5
    return RequestFactory()


def test_the_dashboard_reads_from_the_standby_and_other_pages_from_the_primary(requests):
    for view_name, expected in (("reports:dashboard", REPLICA), ("cases:list", "default")):
        request = requests.get("/")
        request.user = Person(1)
        assert serve(request, view_name).content.decode() == expected


def test_a_person_who_just_wrote_reads_their_change_from_the_primary(requests):
    write = requests.post("/")
    write.user = Person(2)
    response = serve(write, "situation:observation-new")
    assert response.content.decode() == "default"
    # Signed in: remembered in the shared cache, so any app process knows.
    read = requests.get("/")
    read.user = Person(2)
    assert serve(read, "reports:dashboard").content.decode() == "default"
    # Somebody else reads from the standby meanwhile.
    other = requests.get("/")
    other.user = Person(3)
    assert serve(other, "reports:dashboard").content.decode() == REPLICA


def test_an_anonymous_writer_is_kept_on_the_primary_by_a_signed_cookie(requests):
    write = requests.post("/")
    write.user = AnonymousUser()
    cookie = serve(write, "residents:report").cookies[WROTE_COOKIE]
    read = requests.get("/")
    read.user = AnonymousUser()
    read.COOKIES[WROTE_COOKIE] = cookie.value
    assert serve(read, "public:municipality").content.decode() == "default"
    forged = requests.get("/")
    forged.user = AnonymousUser()
    forged.COOKIES[WROTE_COOKIE] = "1"
    assert serve(forged, "public:municipality").content.decode() == REPLICA


def test_after_the_window_the_writer_reads_from_the_standby_again(requests, settings):
    settings.TRYGG_READ_YOUR_WRITES_SECONDS = 0
    write = requests.post("/")
    write.user = Person(4)
    serve(write, "situation:observation-new")
    read = requests.get("/")
    read.user = Person(4)
    assert serve(read, "reports:dashboard").content.decode() == REPLICA


def test_a_failed_write_does_not_pin_the_person(requests):
    middleware = ReadRoutingMiddleware(lambda request: HttpResponse(status=400))
    write = requests.post("/")
    write.user = Person(5)
    assert WROTE_COOKIE not in middleware(write).cookies


def test_no_request_leaves_the_standby_switched_on(requests):
    request = requests.get("/")
    request.user = Person(6)
    serve(request, "reports:dashboard")
    assert read_db() == "default"


def test_every_routed_view_name_is_a_page_of_the_site():
    for name in db_router.REPLICA_VIEWS:
        namespace, url_name = name.split(":")
        assert url_name in get_resolver().namespace_dict[namespace][1].reverse_dict, name


@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_on_the_primary_is_seen():
    from django.db import transaction

    assert not db_router.in_write_transaction()
    with transaction.atomic():
        assert db_router.in_write_transaction()


def test_a_request_without_a_standby_leaves_nothing_switched_on(monkeypatch):
    monkeypatch.setattr(db_router, "in_write_transaction", lambda: False)
    request = RequestFactory().get("/")
    request.user = Person(7)
    serve(request, "reports:dashboard")
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router.health, "usable", lambda: True)
    assert read_db() == "default"


def test_a_standby_that_fails_mid_request_costs_the_page_nothing(requests, monkeypatch):
    from django.db import OperationalError

    marked = []
    monkeypatch.setattr(db_router.health, "mark_down", lambda: marked.append(True))
    calls = []

    def dashboard(request):
        calls.append(read_db())
        if read_db() == REPLICA:
            raise OperationalError("the standby went away")
        return HttpResponse(read_db())

    middleware = ReadRoutingMiddleware(lambda request: handle(request))

    def handle(request):
        # What Django's handler does around a view: process_view, then process_exception.
        middleware.process_view(request, dashboard, (), {})
        try:
            return dashboard(request)
        except OperationalError as exc:
            answer = middleware.process_exception(request, exc)
            assert answer is not None, "the failure was not taken over"
            return answer

    request = requests.get("/")
    request.user = Person(8)
    request.resolver_match = ResolverMatch(
        dashboard, (), {}, url_name="dashboard", app_names=["reports"], namespaces=["reports"]
    )
    assert middleware(request).content.decode() == "default"
    assert calls == [REPLICA, "default"]
    assert marked == [True]


def test_a_database_error_of_a_page_that_writes_is_not_retried(requests):
    from django.db import OperationalError

    middleware = ReadRoutingMiddleware(lambda request: HttpResponse())
    request = requests.post("/")
    request.user = Person(9)
    assert middleware.process_exception(request, OperationalError("locked")) is None
