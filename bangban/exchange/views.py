"""The staff page of the daily push: the delivery log (thin: the rows come from selectors)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.exchange import mapping, selectors, services

PAGE_SIZE = 50


@login_required
@requires(selectors.CAP)
def deliveries_view(request):
    deliveries = selectors.delivery_list(user=request.user)
    page = Paginator(deliveries, PAGE_SIZE).get_page(parse_id(request.GET.get("page", "")) or 1)
    url = settings.BANGBAN_EXCHANGE_URL
    return render(
        request,
        "exchange/deliveries.html",
        {
            "page_obj": page,
            "query": "",
            "endpoint_host": urlsplit(url).hostname if url else "",
            "endpoint_problem": services.endpoint_problem(url, production=settings.PRODUCTION),
            "kinds": mapping.KINDS,
        },
    )
