"""What the report wizard shares between its steps: the states, and the `ReportWizard` its
handlers get: the draft kept in the conversation, asking a step's question, moving on,
starting afresh and the summary."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

from bot.kinds import Privacy
from bot.network.schema import Network
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _, n_
from bot.ui.report_wizard import Step, WizardAction
from bot.ui.texts import (
    excerpt,
    fmt,
    isolate,
)
from bot.workflows import reports
from bot.workflows.reports import Refusal, ReportDraft
from handlers.wizard import Wizard
from storage.models import Citizen

LOCATION_NOTE_MAX = 500


class ReportForm(StatesGroup):
    category = State()
    privacy = State()
    location = State()
    precision = State()
    area = State()
    description = State()
    summary = State()


STEP_STATES = {
    Step.CATEGORY: ReportForm.category,
    Step.PRIVACY: ReportForm.privacy,
    Step.LOCATION: ReportForm.location,
    Step.AREA: ReportForm.area,
    Step.DESCRIPTION: ReportForm.description,
}
FOLLOWING = {
    Step.CATEGORY: Step.PRIVACY,
    Step.PRIVACY: Step.LOCATION,
    Step.LOCATION: Step.AREA,
    Step.AREA: Step.DESCRIPTION,
}
PREVIOUS = {after: before for before, after in FOLLOWING.items()}


# -- the draft and the questions ----------------------------------------------------------


class ReportWizard(Wizard):
    """The report wizard's conversation: its draft, asking a step's question, moving on."""

    async def draft(self) -> ReportDraft:
        return ReportDraft.of(await self.state.get_data()) or ReportDraft()

    async def start(self, citizen: Citizen, draft: ReportDraft) -> None:
        await self.state.clear()
        refused = await reports.refusal(self.session, citizen, self.network)
        if refused is not None:
            self.say(refusal_text(refused, self.network), keyboards.main_menu())
            return
        await self.ask(Step.CATEGORY, draft)

    async def ask(self, step: Step, draft: ReportDraft) -> None:
        await self.state.set_state(STEP_STATES[step])
        await self.keep(draft)
        head = report_wizard.heading(step, draft.privacy)
        network, language = self.network, self.i18n.current_locale
        if step is Step.CATEGORY:
            markup = report_wizard.choices(
                network.categories, WizardAction.CATEGORY, network, language, back=False
            )
            about = (
                fmt(_("📢 About the alert: “{text}”"), text=excerpt(draft.alert_text, 120))
                + "\n\n"
                if draft.alert_text
                else ""
            )
            self.say(head + about + _("What is your report about?"), markup)
        elif step is Step.PRIVACY:
            self.say(head + _privacy_question(), report_wizard.privacy())
        elif step is Step.LOCATION:
            self.say(
                head
                + _(
                    "Where exactly did it happen? Share a location with the button below (the "
                    "paperclip → Location picks a place on the map), write the address, or skip "
                    "this step. A location you share may reveal where you are."
                ),
                report_wizard.location_keyboard(),
            )
        elif step is Step.AREA:
            suggested = (
                network.locate(draft.latitude, draft.longitude)
                if draft.latitude is not None and draft.longitude is not None
                else network.area(draft.area or "")
            )
            question = (
                fmt(
                    _("That looks like {name}. Please confirm or choose another area:"),
                    name=suggested.name(language, network.default_language),
                )
                if suggested
                else _("In which area did it happen?")
            )
            markup = report_wizard.choices(
                network.areas,
                WizardAction.AREA,
                network,
                language,
                suggested.code if suggested else None,
            )
            self.say(head + question, markup)
        else:
            self.say(
                head
                + _(
                    "Describe what happened: what, when, where exactly, who was involved. "
                    "You can send several messages, photos, videos, voice messages and files.\n"
                    "Press “📨 Send report” when you are done."
                ),
                report_wizard.description_keyboard(),
            )

    async def ask_next(self, step: Step, draft: ReportDraft) -> None:
        """After answering `step`: the summary when editing from it, else the following step."""
        if draft.editing:
            await self.show_summary(draft)
            return
        await self.ask(FOLLOWING[step], draft)

    async def show_summary(self, draft: ReportDraft) -> None:
        if not draft.items:  # an edit reached the summary before there was a description
            draft.editing = False
            await self.ask(Step.DESCRIPTION, draft)
            return
        draft.editing = False
        await self.state.set_state(ReportForm.summary)
        await self.keep(draft)
        network, language = self.network, self.i18n.current_locale
        category = network.category(draft.category or "")
        area = network.area(draft.area or "")
        if draft.latitude is not None:
            place = _("yes, about 500 m") if draft.rounded else _("yes, the exact point")
        else:
            place = draft.location_note or _("no")
        texts, attachments = draft.counts()
        text = report_wizard.summary(
            category.name(language, network.default_language) if category else "—",
            area.name(language, network.default_language) if area else "—",
            draft.privacy or Privacy.CONFIDENTIAL,
            place,
            texts,
            attachments,
        )
        self.say(text, report_wizard.summary_keyboard())


def _privacy_question() -> str:
    return _(
        "<b>Who may know this report is from you?</b>\n"
        "🔒 Confidential: the police see your first name only.\n"
        "👤 With my name: the police see your name and Telegram account, so they can "
        "contact you more easily.\n"
        "🕶 Anonymous: the police see no name at all. They can still answer you here."
    )


def refusal_text(refused: Refusal, network: Network) -> str:
    number = isolate(network.emergency.number)
    if refused is Refusal.BANNED:
        return _(
            "You cannot make new reports through Beatline at the moment. "
            "In an emergency call {number}."
        ).format(number=number)
    if refused is Refusal.TOO_MANY_OPEN:
        return fmt(
            n_(
                "You already have {count} open report, as many as one person can have. "
                "Write in it, or wait until it is closed. In an emergency call {number}.",
                "You already have {count} open reports, as many as one person can have. "
                "Write in one of them, or wait until one is closed. In an emergency call "
                "{number}.",
                network.limits.open_cases,
            ),
            count=network.limits.open_cases,
            number=network.emergency.number,
        )
    if refused is Refusal.ALREADY_SENT:
        return _("This report has been sent already.")
    return _("Please describe what happened first.")
