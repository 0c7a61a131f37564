"""Booking and signature facts on the cases pages (the queue's tag, the detail page's panel)."""

from django import template

from bangban.bookings import selectors
from bangban.bookings.models import Booking, EntrustmentSignature, ServiceRequest

register = template.Library()


@register.simple_tag
def booking_labels(rows):
    """{case id: "预约 12月3日 9:00"} for a queue page's rows ((case, light) pairs): one statement."""
    return selectors.booking_labels([case.pk for case, _light in rows])


@register.filter
def label_for(labels, case_id):
    return (labels or {}).get(case_id, "")


@register.inclusion_tag("bookings/_case_panel.html")
def case_booking_panel(case):
    """The online request, the booking and the entrustments' signatures of one case."""
    request = ServiceRequest.objects.filter(case=case).first()
    booking = Booking.objects.filter(case=case, status=Booking.Status.ACTIVE).select_related("slot").first()
    entrustments = list(case.entrustments.all())
    signed = dict(
        EntrustmentSignature.objects.filter(entrustment__in=entrustments).values_list(
            "entrustment_id", "signed_at"
        )
    )
    return {
        "case": case,
        "service_request": request,
        "booking": booking,
        "entrustments": [(e, signed.get(e.pk)) for e in entrustments],
    }
