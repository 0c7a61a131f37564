import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.emergencies import services
from bangban.emergencies.models import Drill, Incident, Plan
from bangban.emergencies.tests.conftest import PDF

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def t(h, m=0, d=5):
    return datetime.datetime(2025, 3, d, h, m, tzinfo=SH)


def publish(org, by="county_admin", **kw):
    kw = {"type": "surge", "title": "业务集中办理应急预案", "content": "一、启动条件……", **kw}
    return services.plan_publish(by=org.user(by), institution=org.user(by).institution, **kw)


def test_new_version_supersedes_and_old_stays(org):
    v1 = publish(org, pdf=SimpleUploadedFile("预案.pdf", PDF, content_type="application/pdf"))
    v2 = publish(org, content="修订后的预案")
    v1.refresh_from_db()
    assert (v1.version, v1.is_current, v1.superseded_at is not None) == (1, False, True)
    assert (v2.version, v2.is_current) == (2, True)
    assert v1.pdf.open("rb").read() == PDF and not v2.pdf
    other_type = publish(org, type="natural")
    assert other_type.version == 1
    assert Plan.objects.filter(is_current=True).count() == 2
    assert AuditEvent.objects.filter(action="emergencies.plan.publish").count() == 3


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"type": "flood"}, "type"),
        ({"title": ""}, "title"),
        ({"content": "x" * 20001}, "content"),
        ({"pdf": SimpleUploadedFile("a.pdf", b"PK\x03\x04 not a pdf")}, "pdf"),
        ({"pdf": SimpleUploadedFile("a.exe", PDF)}, "pdf"),
        ({"pdf": SimpleUploadedFile("a.pdf", b"")}, "pdf"),
    ],
)
def test_plan_bad_input_changes_nothing(org, kw, field):
    publish(org)
    with pytest.raises(ServiceError) as exc:
        publish(org, **kw)
    assert exc.value.field == field
    assert list(Plan.objects.values_list("version", "is_current")) == [(1, True)]


def test_pdf_size_bound(org, settings):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ServiceError) as exc:
        publish(org, pdf=big)
    assert "10 MB" in exc.value.message


def test_drills_and_incident_log(org):
    plan = publish(org)
    drill = services.drill_record(
        by=org.user("county_admin"),
        plan=plan,
        held_on=datetime.date(2025, 3, 1),
        participants="窗口人员 12 人",
        scenario="办件量激增三倍",
        findings="叫号系统排队过长",
        improvements="增开两个综合窗口",
    )
    assert drill.institution == org.county
    with pytest.raises(ServiceError) as exc:
        services.drill_record(
            by=org.user("county_admin"),
            plan=plan,
            held_on=datetime.date(2999, 1, 1),
            participants="x",
            scenario="y",
        )
    assert exc.value.field == "held_on"

    incident = services.incident_log(
        by=org.user("county_admin"),
        institution=org.county,
        type="accident",
        started_at=t(9),
        description="大厅停电",
        steps=[services.StepInput(t(9, 5), "启用应急照明")],
    )
    services.incident_step_add(
        by=org.user("county_admin"), incident=incident, at=t(9, 20), text="引导群众有序等候"
    )
    with pytest.raises(ServiceError) as exc:
        services.incident_close(by=org.user("county_admin"), incident=incident, ended_at=t(9, 10))
    assert exc.value.field == "steps"
    services.incident_close(
        by=org.user("county_admin"), incident=incident, ended_at=t(10), reported_to="区政务办"
    )
    incident.refresh_from_db()
    assert incident.ended_at == t(10) and incident.reported_to == "区政务办"
    assert [s.text for s in incident.steps.all()] == ["启用应急照明", "引导群众有序等候"]
    with pytest.raises(ServiceError):
        services.incident_close(by=org.user("county_admin"), incident=incident, ended_at=t(11))
    with pytest.raises(ServiceError) as exc:
        services.incident_step_add(by=org.user("county_admin"), incident=incident, at=t(11), text="late")
    assert exc.value.field == "at"
    actions = set(
        AuditEvent.objects.filter(action__startswith="emergencies.").values_list("action", flat=True)
    )
    assert actions == {
        "emergencies.plan.publish",
        "emergencies.drill.record",
        "emergencies.incident.log",
        "emergencies.incident.step",
        "emergencies.incident.close",
    }


def test_incident_bad_input_changes_nothing(org):
    base = {"institution": org.county, "type": "health", "started_at": t(9), "description": "发现发热群众"}
    for kw, field in [
        ({"type": "x"}, "type"),
        ({"description": ""}, "description"),
        ({"started_at": datetime.datetime(2999, 1, 1, tzinfo=SH)}, "started_at"),
        ({"ended_at": t(8)}, "ended_at"),
        ({"steps": [services.StepInput(t(8), "x")]}, "steps"),
        ({"steps": [services.StepInput(t(10), "")]}, "steps"),
        ({"reported_to": "x" * 201}, "reported_to"),
    ]:
        with pytest.raises(ServiceError) as exc:
            services.incident_log(by=org.user("county_admin"), **{**base, **kw})
        assert exc.value.field == field, kw
    assert not Incident.objects.exists()


def test_roles_and_scope(org):
    plan = publish(org)
    with pytest.raises(AccessRefused):
        publish(org, by="station_agent")
    with pytest.raises(NotInScope):
        services.drill_record(
            by=org.user("town_admin"),
            plan=plan,
            held_on=datetime.date(2025, 1, 1),
            participants="x",
            scenario="y",
        )
    with pytest.raises(NotInScope):
        services.incident_log(
            by=org.user("town_admin"), institution=org.county, type="social", started_at=t(9), description="x"
        )
    assert not Drill.objects.exists()
