"""Page forms of remote help (every text bounded; services judge the rest)."""

from __future__ import annotations

from django import forms

from bangban.catalog.models import Item
from bangban.remote.models import CloudWindow


def _items():
    return Item.objects.filter(status=Item.Status.ACTIVE).order_by("name")


class StationCallForm(forms.Form):
    caller_name = forms.CharField(label="申请人姓名", max_length=100)
    item = forms.ModelChoiceField(
        label="事项", queryset=Item.objects.none(), required=False, empty_label="（未确定，按诉求）"
    )
    need = forms.CharField(
        label="诉求", max_length=300, required=False, help_text="未选事项时请简要描述要办的事"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()


class PublicCallForm(forms.Form):
    window = forms.ModelChoiceField(label="云窗口", queryset=CloudWindow.objects.none(), empty_label="请选择")
    caller_name = forms.CharField(label="姓名", max_length=100)
    phone = forms.CharField(label="手机号码", max_length=20)
    code = forms.CharField(label="短信验证码", max_length=6, required=False)
    item = forms.ModelChoiceField(
        label="事项", queryset=Item.objects.none(), required=False, empty_label="（不确定）"
    )
    need = forms.CharField(
        label="要办的事", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = CloudWindow.objects.filter(
            is_active=True, accepts_public=True
        ).select_related("institution")
        self.fields["item"].queryset = _items()


class WindowForm(forms.Form):
    institution = forms.ModelChoiceField(label="所属机构", queryset=None)
    name = forms.CharField(label="窗口名称", max_length=100)
    tiers = forms.CharField(
        label="服务层级",
        max_length=3,
        required=False,
        help_text="来电机构层级，如 3 表示便民服务站；留空表示下属所有层级",
    )
    items = forms.ModelMultipleChoiceField(
        label="受理事项", queryset=Item.objects.none(), required=False, help_text="不选表示全部事项"
    )
    accepts_public = forms.BooleanField(label="接受群众在线求助", required=False, initial=True)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["items"].queryset = _items()
