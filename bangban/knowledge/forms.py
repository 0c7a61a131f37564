"""Forms of the knowledge pages: shape and bounds only; the rules are in services._clean."""

from __future__ import annotations

from django import forms

from bangban.catalog.models import Item
from bangban.knowledge.models import BODY_MAX, TAGS_MAX, TITLE_MAX, Article
from bangban.knowledge.services import IMPORT_MAX_BYTES, ITEMS_MAX


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Article.Kind.choices, initial=Article.Kind.QA)
    title = forms.CharField(label="标题或问题", max_length=TITLE_MAX)
    body = forms.CharField(label="正文或答复", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))
    items = forms.CharField(
        label="相关事项",
        required=False,
        max_length=ITEMS_MAX * 40,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"事项实施编码，每行一个，最多 {ITEMS_MAX} 个",
    )
    tags = forms.CharField(
        label="分类标签", required=False, max_length=TAGS_MAX, help_text="多个标签用逗号分隔"
    )
    source = forms.ChoiceField(label="来源", choices=Article.Source.choices, initial=Article.Source.OWN)
    valid_from = forms.DateField(
        label="生效日期", required=False, help_text="格式 YYYY-MM-DD；空表示立即生效"
    )
    valid_to = forms.DateField(label="有效期至", required=False, help_text="最后有效的一天；空表示长期有效")

    def clean_items(self):
        codes = [c.strip().upper() for c in self.cleaned_data["items"].split() if c.strip()]
        if len(codes) > ITEMS_MAX:
            raise forms.ValidationError(f"最多 {ITEMS_MAX} 个事项")
        found = {i.implementation_code: i for i in Item.objects.filter(implementation_code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(f"事项实施编码不存在：{'、'.join(missing[:5])}")
        return [found[c] for c in dict.fromkeys(codes)]

    def clean(self):
        d = super().clean()
        if d.get("valid_from") and d.get("valid_to") and d["valid_to"] < d["valid_from"]:
            self.add_error("valid_to", "「有效期至」不能早于「生效日期」")
        return d


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="12345 导出文件（.xlsx）",
        help_text=f"表头：问题、答复、分类、来源（可选：事项编码、有效期至）；不超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB",
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(f"文件不能超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB")
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件")
        return f


def article_initial(article: Article) -> dict:
    return {
        "kind": article.kind,
        "title": article.title,
        "body": article.body,
        "items": "\n".join(i.implementation_code for i in article.items.all()),
        "tags": article.tags,
        "source": article.source,
        "valid_from": article.valid_from,
        "valid_to": article.valid_to,
    }
