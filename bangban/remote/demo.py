"""Demo cloud windows (load_demo): 通安镇便民服务中心 answers its village stations, the county centre
answers every station and the public. Idempotent: a window whose name exists is left alone."""

from __future__ import annotations

from bangban.org.models import Institution
from bangban.remote.models import CloudWindow

WINDOWS = [
    ("320505101", 2, "远程帮办窗口", "3", True),
    ("320505", 1, "区中心云窗口", "", True),
]


def load_remote_demo() -> None:
    for division, tier, name, tiers, public in WINDOWS:
        institution = Institution.objects.filter(division__code=division, tier=tier).first()
        if institution is None or CloudWindow.objects.filter(institution=institution, name=name).exists():
            continue
        CloudWindow.objects.create(institution=institution, name=name, tiers=tiers, accepts_public=public)
