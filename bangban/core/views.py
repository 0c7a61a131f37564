from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bangban.core.dashboard import home_panels


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": home_panels(request.user)})


@require_GET
def healthz(request):
    """Liveness and database check for the load balancer (no personal data)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
