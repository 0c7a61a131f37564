"""core.api.JSONRenderer writes the bytes DRF's own JSONRenderer writes (its reference)."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFRenderer

from bangban.core.api import JSONRenderer

TEXT = "".join(chr(c) for c in range(0x3000)) + '\u2028\u2029 帮办代办 "引号" \\ 😀'


def both(data, accepted="application/json", context=None):
    return (
        JSONRenderer().render(data, accepted, context),
        DRFRenderer().render(data, accepted, context),
    )


def test_same_bytes_for_text_numbers_and_nesting():
    data = {
        "text": TEXT,
        "ints": [0, -1, 2**63 - 1, -(2**63)],
        "flags": [True, False, None],
        "nested": {"rows": [{"key": str(i), "label": f"第{i}行", "cells": []} for i in range(50)]},
        "tuple": (1, "二"),
    }
    ours, reference = both(data)
    assert ours == reference


def test_same_bytes_for_what_drf_encoder_converts():
    tz = ZoneInfo("Asia/Shanghai")
    data = {
        "utc": dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
        "local": dt.datetime(2026, 3, 1, 8, 30, tzinfo=tz),
        "naive": dt.datetime(2026, 3, 1, 8, 30),
        "date": dt.date(2026, 3, 1),
        "time": dt.time(8, 30),
        "duration": dt.timedelta(days=1, seconds=5),
        "decimal": Decimal("95.50"),
        "uuid": uuid.UUID(int=7),
        "lazy": gettext_lazy("分组"),
        "bytes": "字节".encode(),
    }
    ours, reference = both(data)
    assert ours == reference


def test_indented_and_empty_answers_are_drfs():
    data = {"a": [1, {"b": "办"}]}
    assert (
        both(data, "application/json; indent=4")
        == (DRFRenderer().render(data, "application/json; indent=4"),) * 2
    )
    assert JSONRenderer().render(None) == b""


def test_what_neither_encodes_is_an_error_in_both():
    import pytest

    class Opaque:
        pass

    with pytest.raises(TypeError):
        JSONRenderer().render({"x": Opaque()})
    with pytest.raises(TypeError):
        DRFRenderer().render({"x": Opaque()})
