from django.http import HttpResponse


def _stub(request, *a, **k):
    return HttpResponse("")


public_review_view = track_review_view = review_list_view = review_detail_view = counter_view = enter_view = (
    _stub
)
rectification_list_view = rectification_detail_view = rectification_step_view = _stub
appeal_file_view = appeal_decide_view = _stub
