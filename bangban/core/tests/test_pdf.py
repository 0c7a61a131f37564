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


def embedded_font_problems(data: bytes) -> list[str]:
    """Every font a PDF names that it does not embed (a FontFile in its descriptor)."""
    problems = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            parts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for part in parts:
                descriptor = part.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.append(str(font.get("/BaseFont")))
    return problems


def test_every_font_in_a_document_is_embedded():
    data = pdf.build(
        [
            pdf.p("帮办代办受理单", "title"),
            pdf.grid(
                [["申请人", "张三"], ["事项", "个体工商户登记"]], [30 * pdf.mm, 60 * pdf.mm], header=True
            ),
            pdf.qr("http://127.0.0.1:8000/t/ABC"),
            pdf.signature_lines("申请人", "帮办代办员"),
        ],
        title="测试",
    )
    assert embedded_font_problems(data) == []


def test_a_cell_longer_than_a_page_continues_on_the_next():
    long = "长" * 3000 + "（完）"
    data = pdf.build(
        [pdf.grid([["说明", long, "备注", "短" * 800 + "（止）"]], [28 * pdf.mm] * 4)], title="t"
    )
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 1 and "（完）" in text and "（止）" in text and text.count("长") == 3000
