"""core.routing: ids in URLs, and the URLs of rows by id."""

import pytest


@pytest.mark.parametrize("prefix", ["/", "/bangban/"])
@pytest.mark.parametrize(
    "name", ["cases:detail", "knowledge:article", "public_catalog:guide", "bookings:sign_window"]
)
def test_id_url_is_reverse(name, prefix):
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from bangban.core.routing import id_url

    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        for pk in (1, 42, 987654321, 10**17):
            assert id_url(name, pk) == reverse(name, args=[pk])
    finally:
        set_script_prefix(before)
