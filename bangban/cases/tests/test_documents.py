"""Forms A–E print every field whatever its length: long texts wrap and continue on further pages."""

import datetime
import io

import pytest
from pypdf import PdfReader

from bangban.cases import documents, services
from bangban.cases.models import Material
from bangban.core.tests.test_pdf import embedded_font_problems

pytestmark = pytest.mark.django_db

TEXT = 2000  # the documented maximum of every free-text field (bangban.core.api_errors.TEXT_MAX_LENGTH)


def filler(n: int, end: str) -> str:
    body = "材料退还代办说明" * (n // 8 + 1)
    return body[: n - len(end)] + end


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_forms_a_to_e_render_maximal_fields(org, items):
    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="agency",
        mode="agency",
        applicant_type="person",
        applicant_name=filler(100, "尾申"),
        id_number="11010519491231002X",
        contact_name=filler(50, "尾联"),
        phone="13812345678",
        items=[items["license"]],
        summary=filler(300, "尾诉"),
    )
    case = services.case_analyse(case=case, by=by, analysis=filler(TEXT, "尾析"))
    today = datetime.date.today()
    case = services.case_entrust(
        case=case,
        by=by,
        scope="partial",
        stages=filler(300, "尾环"),
        period_start=today,
        period_end=today + datetime.timedelta(days=60),
        materials_text=filler(TEXT, "尾移"),
    )
    for i in range(12):
        services.material_receive(
            case=case, by=by, name=filler(200, f"尾材{i}"), form=Material.Form.COPY, note=filler(200, "尾注")
        )
    case = services.case_start(case=case, by=by)
    case = services.case_suspend(case=case, by=by, reason="other", detail=filler(TEXT, "尾止"))
    case = services.case_resume(
        case=case, by=by, period_end=today + datetime.timedelta(days=90), materials_text=filler(TEXT, "尾续")
    )
    case = services.case_complete(case=case, by=by, result=filler(TEXT, "尾果"))
    expected = {
        "A": ["尾申", "尾联", "尾诉", "尾材11"],
        "B": ["尾申", "尾果", "尾材0", "尾材11"],
        "C": ["尾申", "尾环", "尾移"],
        "D": ["尾申", "尾止"],
        "E": ["尾申", "尾续"],
    }
    for code, markers in expected.items():
        data = documents.render(case, code)
        text = _text(data)
        for marker in markers:
            assert marker in text, (code, marker)
        assert embedded_font_problems(data) == [], code
