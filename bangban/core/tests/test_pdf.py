import io

from pypdf import PdfReader

from bangban.core import pdf


def test_pdf_embeds_chinese_font_and_text_is_extractable():
    data = pdf.build(
        [
            pdf.p("帮办代办受理单", "title"),
            pdf.grid([["申请人", "张三"], ["事项", "个体工商户登记"]]),
            pdf.qr("http://127.0.0.1:8000/t/ABC"),
            pdf.signature_lines("申请人", "帮办代办员"),
        ],
        title="测试",
    )
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "帮办代办受理单" in text and "个体工商户登记" in text and "申请人" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        f.get_object()["/FontDescriptor"].get_object()
        for f in fonts.values()
        if "/FontDescriptor" in f.get_object()
    ]
    descendants = [
        d.get_object()["/FontDescriptor"].get_object()
        for f in fonts.values()
        for d in f.get_object().get("/DescendantFonts", [])
    ]
    embedded = [d for d in descriptors + descendants if "/FontFile2" in d]
    assert embedded, "the Chinese font must be embedded"
    assert reader.metadata.title == "测试"
