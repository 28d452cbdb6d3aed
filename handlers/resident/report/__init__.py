"""The report wizard, one handler per step: category → privacy → location (a point, an address
in words, or none; rounded to about 500 m in an anonymous report unless the resident wants the
exact point) → area → description (text and media, several messages) → summary → send.
◀ Back and ✖ Cancel work at every step; *Edit* on the summary changes one step."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f

from bot.kinds import AlertFeedback
from bot.ui import keyboards
from bot.ui.report_wizard import BACK, ReportCb, WizardAction
from bot.ui.texts import CANCEL, MENU_LABELS, MENU_REPORT, SEND_REPORT, SKIP
from bot.workflows.relay import RELAYABLE
from handlers.filters import AnyMenuButton, CommandOrButton, Match, MenuButton, consented_router
from handlers.resident.report.flow import ReportForm, ReportWizard
from handlers.resident.report.leaving import (
    cb_back,
    cb_cancel,
    cmd_cancel,
    on_back,
    on_unsupported,
    on_waiting_for_button,
)
from handlers.resident.report.sending import cb_edit, cb_send, on_summary
from handlers.resident.report.starting import cb_alert_information, cb_report_this, cmd_report
from handlers.resident.report.steps import (
    cb_choice,
    cb_precision,
    cb_privacy,
    cb_sensitive,
    on_description,
    on_location,
    on_location_note,
    on_skip_location,
)
from handlers.wizard import with_wizard


def create_router() -> Router:
    router = with_wizard(consented_router(__name__), ReportWizard.of)
    in_wizard = StateFilter(ReportForm)
    # Every message handler needs one of these: a follow-up passes the router by at one check.
    router.message.filter(or_f(CommandOrButton(MENU_REPORT), in_wizard))
    router.message.register(cmd_report, Command("report"))
    router.message.register(cmd_report, MenuButton(MENU_REPORT))
    router.callback_query.register(cb_report_this, keyboards.ReportThisCb.filter())
    router.callback_query.register(
        cb_alert_information, keyboards.AlertCb.filter(F.action == AlertFeedback.INFO)
    )
    router.message.register(cmd_cancel, Command("cancel"), in_wizard)
    router.message.register(cmd_cancel, MenuButton(CANCEL), in_wizard)
    router.callback_query.register(cb_cancel, ReportCb.filter(F.action == WizardAction.CANCEL))
    router.message.register(on_back, MenuButton(BACK), in_wizard)
    router.callback_query.register(
        cb_back, ReportCb.filter(F.action == WizardAction.BACK), in_wizard
    )
    steps = (
        (WizardAction.CATEGORY, ReportForm.category, cb_choice),
        (WizardAction.PRIVACY, ReportForm.privacy, cb_privacy),
        (WizardAction.PRECISION, ReportForm.precision, cb_precision),
        (WizardAction.AREA, ReportForm.area, cb_choice),
        (WizardAction.SEND, ReportForm.summary, cb_send),
        (WizardAction.EDIT, ReportForm.summary, cb_edit),
    )
    for action, form_state, handler in steps:
        router.callback_query.register(
            handler, ReportCb.filter(F.action == action), StateFilter(form_state)
        )
    router.message.register(on_location, StateFilter(ReportForm.location), Match(F.location))
    router.message.register(on_skip_location, StateFilter(ReportForm.location), MenuButton(SKIP))
    router.message.register(
        on_location_note,
        StateFilter(ReportForm.location),
        Match(F.text & ~F.text.startswith("/")),
        ~AnyMenuButton(*MENU_LABELS),
    )
    for form_state in (ReportForm.description, ReportForm.summary):
        router.message.register(on_summary, StateFilter(form_state), MenuButton(SEND_REPORT))
    router.message.register(
        on_description,
        StateFilter(ReportForm.description),
        Match(F.content_type.in_(RELAYABLE)),
    )
    router.callback_query.register(
        cb_sensitive, keyboards.SensitiveCb.filter(), StateFilter(ReportForm.description)
    )
    router.message.register(on_unsupported, StateFilter(ReportForm.description))
    router.message.register(on_waiting_for_button, in_wizard)
    return router
