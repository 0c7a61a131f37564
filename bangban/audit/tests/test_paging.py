import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.audit.models import AuditEvent
from bangban.audit.paging import Cursor, InvalidCursor, keyset_page
from bangban.audit.tests.factories import BASE, audit_rows


@given(
    direction=st.sampled_from("ab"),
    at=st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.UTC)
    ),
    pk=st.integers(min_value=1, max_value=10**18 - 1),
)
def test_a_cursor_reads_back_exactly(direction, at, pk):
    cursor = Cursor(direction, at, pk)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x",
        "not base64!",
        "%00",
        "A" * 65,  # longer than any cursor
        "YS4xLjE=",  # padding is never written
        Cursor("b", BASE, 1).encode()[:-2],  # cut short
    ],
)
def test_anything_but_a_cursor_is_refused(text):
    with pytest.raises(InvalidCursor):
        Cursor.decode(text)


@pytest.mark.parametrize(
    "raw",
    [
        b"c.1.1",  # no such direction
        b"b.1.0",  # no row has id 0
        b"b.1.-1",
        b"b.999999999999999999.1",  # beyond year 9999
        b"b.1.1234567890123456789",  # beyond bigint
        b"b.1.1.1",
        b"b. 1.1",
        b"b.01.1",  # not as written
        "b.１.1".encode(),  # a full-width digit
    ],
)
def test_well_encoded_nonsense_is_refused(raw):
    import base64

    with pytest.raises(InvalidCursor):
        Cursor.decode(base64.urlsafe_b64encode(raw).decode().rstrip("="))


@pytest.mark.django_db
def test_walking_older_then_newer_visits_every_row_once_in_order():
    # Ties on `at` (rows committed in the same microsecond) straddle page boundaries.
    audit_rows(9, step=dt.timedelta(minutes=1))
    audit_rows(6, start=BASE + dt.timedelta(minutes=3), step=dt.timedelta(0))
    audit_rows(5, start=BASE + dt.timedelta(minutes=30), step=dt.timedelta(seconds=1))
    qs = AuditEvent.objects.filter(actor_name="某人")
    expected = [e.pk for e in qs.order_by("-at", "-id")]
    assert len(expected) == 20

    pages, cursor = [], None
    while True:
        page = keyset_page(qs, cursor, size=4)
        pages.append([e.pk for e in page])
        assert (page.newer is None) == (cursor is None)
        if page.older is None:
            break
        cursor = Cursor.decode(page.older)
    assert [pk for p in pages for pk in p] == expected
    assert [len(p) for p in pages] == [4] * 5

    back = []
    while page.newer is not None:
        page = keyset_page(qs, Cursor.decode(page.newer), size=4)
        back.append([e.pk for e in page])
    assert back == pages[-2::-1]  # the same pages, newest last
    assert page.newer is None  # the first page again, with nothing above it


@pytest.mark.django_db
def test_a_page_of_newer_rows_that_reaches_the_top_is_the_first_page_as_it_is_now():
    audit_rows(10)
    qs = AuditEvent.objects.filter(actor_name="某人")
    second = keyset_page(qs, Cursor.decode(keyset_page(qs, None, size=4).older), size=4)
    audit_rows(2, start=BASE + dt.timedelta(days=1))  # new rows arrive meanwhile
    back = keyset_page(qs, Cursor.decode(second.newer), size=4)
    # The 2 new rows and the 4 of the old first page do not fit one page: a middle page, then the top.
    assert back.newer is not None
    top = keyset_page(qs, Cursor.decode(back.newer), size=4)
    assert [e.pk for e in top] == [e.pk for e in qs.order_by("-at", "-id")[:4]]
    assert top.newer is None


@pytest.mark.django_db
def test_a_cursor_beyond_the_rows_gives_an_empty_page_without_links():
    audit_rows(3)
    page = keyset_page(
        AuditEvent.objects.filter(actor_name="某人"),
        Cursor("b", BASE - dt.timedelta(days=365), 10**17),
        size=4,
    )
    assert list(page) == [] and page.older is None and page.newer is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filters",
    [{}, {"actor_name": "某人"}, {"action": "auth.login"}, {"institution_id": 1}, {"actor_id": 1}],
    ids=["all", "actor-name", "action", "institution", "actor"],
)
def test_each_search_walks_an_index_in_page_order_without_sorting_ties(filters):
    # Rows sharing a time (one transaction's bulk changes) are common: an index on the time alone makes
    # the database sort every page's tie group (27,000 rows cost 20 ms at 1M rows). Each search's index
    # ends with (at, id), the page order, so no sort is planned (a name prefix spans several names: that
    # one walks a range and sorts what it found).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    audit_rows(50, step=dt.timedelta(0))
    qs = AuditEvent.objects.filter(**filters).order_by("-at", "-id")[:51]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a test's few rows any plan is cheap: rule out all but the ones that need no sort, which the
        # database still takes when nothing else can answer.
        for setting in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan
    assert "Index" in plan, plan
