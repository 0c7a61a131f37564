"""Booking and signature facts on the case page (its panel; the queue's tag is cases.templatetags.case_rows)."""

from django import template

from bangban.bookings.models import Booking, EntrustmentSignature, ServiceRequest

register = template.Library()


@register.inclusion_tag("bookings/_case_panel.html")
def case_booking_panel(case, entrustments):
    """The online request, the booking and the entrustments' signatures of one case (`entrustments`:
    the case's, which the case page has loaded)."""
    request = ServiceRequest.objects.filter(case=case).first()
    # A booking is made only with the online request that opens its case (services.request_create;
    # a reschedule replaces a booking): without a request there is none to look for.
    booking = (
        Booking.objects.filter(case=case, status=Booking.Status.ACTIVE).select_related("slot").first()
        if request is not None
        else None
    )
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
