"""URLs of re-issuance under ``/reissue/`` (namespace ``reissue``): the public status page, and for staff the
counter, cases and their actions, the fee schedule, production orders, the findings and reports to take, the
supervisors' dashboard and the resident notices."""

from django.urls import path

from geo_portal.reissue.views import cases, counter, dashboard, fees, files, notices, orders, public, sources

app_name = "reissue"
urlpatterns = [
    path("status/", public.status, name="status"),
    path("", cases.case_list, name="cases"),
    path("counter/", counter.counter, name="counter"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/assess", cases.case_assess, name="case-assess"),
    path("cases/<int:pk>/pay", cases.case_pay, name="case-pay"),
    path("cases/<int:pk>/void-receipt", cases.case_void_receipt, name="case-void-receipt"),
    path("cases/<int:pk>/cancel", cases.case_cancel_view, name="case-cancel"),
    path("cases/<int:pk>/refund", cases.case_refund_view, name="case-refund"),
    path("cases/<int:pk>/install", cases.case_install, name="case-install"),
    path("cases/<int:pk>/collect", cases.case_collect, name="case-collect"),
    path("cases/<int:pk>/close", cases.case_close_view, name="case-close"),
    path("cases/<int:pk>/photo", files.installation_photo, name="case-photo"),
    path("receipts/<int:pk>.pdf", files.receipt_pdf_view, name="receipt-pdf"),
    path("fees/", fees.fee_schedule, name="fees"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:pk>/", orders.order_detail, name="order"),
    path("orders/<int:pk>/sheet.pdf", files.order_sheet_pdf_view, name="order-pdf"),
    path("orders/<int:pk>/sheet.csv", files.order_sheet_csv_view, name="order-csv"),
    path("orders/<int:pk>/delivered", orders.order_delivered_view, name="order-delivered"),
    path("sources/", sources.sources, name="sources"),
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("findings/<int:pk>/open", sources.open_from_finding, name="finding-open"),
    path("reports/<int:pk>/open", sources.open_from_report, name="report-open"),
    path("notices/", notices.notices, name="notices"),
    path("notices/<int:pk>/", notices.notice_batch, name="notice-batch"),
    path("notices/<int:pk>/letters.pdf", notices.notice_batch_pdf, name="notice-batch-pdf"),
    path("notices/<int:pk>/sent", notices.notice_batch_sent, name="notice-batch-sent"),
    path("notices/<int:pk>/discard", notices.notice_batch_discard_view, name="notice-batch-discard"),
]
