def dashboard_view(r):
    pass


drill_view = report_xlsx_view = report_pdf_view = targets_view = dashboard_view
