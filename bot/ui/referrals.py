"""What a referral shows: the question the resident answers (its text and its buttons) and the
card the partner gets, both written from one `PartnerView`, so the resident is never told less
than the partner sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.lists import format_list

from bot.domain.referrals import PartnerView
from bot.network.schema import Network
from bot.ui.case_card import case_facts, staff_names
from bot.ui.dates import babel_locale
from bot.ui.fields import Flags, RowId
from bot.ui.i18n import _
from bot.ui.texts import fmt, quote

if TYPE_CHECKING:  # the card reads a case, it never queries one
    from storage.models import Case, Citizen


class ReferralCb(CallbackData, prefix="refer"):
    referral_id: RowId
    agree: bool


class ReferralWithCb(CallbackData, prefix="referx"):
    """ "Yes, with …": agreement that adds what `extra` names (see bot.domain.open311.Extra)."""

    referral_id: RowId
    extra: Flags


def consent_question(
    view: PartnerView,
    ref: str,
    partner: str,
    language: str,
    reason: str | None = None,
    in_group: bool = True,
    extra: str = "",
) -> str:
    """The resident's question, in `language`: what the partner would and would not see in
    its group (`in_group`), then `extra` (what an Open311 system would receive)."""
    shown = [_("what you wrote"), _("the category, area and time of your report")]
    hidden: list[str] = []
    (shown if view.name else hidden).append(_("your name"))
    (shown if view.account else hidden).append(_("your Telegram account"))
    (shown if view.location else hidden).append(_("the location you gave"))
    locale = babel_locale(language)
    rows = [
        fmt(
            _(
                "The police would like to pass your report {ref} to {partner}, who may be "
                "able to help."
            ),
            ref=ref,
            partner=partner,
        ),
        *([fmt(_("Why: {reason}"), reason=reason)] if reason else []),
    ]
    if in_group:
        rows.append(
            fmt(
                _("{partner} would see: {items}."),
                partner=partner,
                items=format_list(shown, locale=locale),
            )
        )
        if hidden:
            rows.append(
                fmt(_("They would not see: {items}."), items=format_list(hidden, locale=locale))
            )
        rows.append(
            _("They may write to you here.") if view.replies else _("They cannot write to you.")
        )
    if extra:
        rows.append(extra)
    rows += ["", _("Do you agree?")]
    return "\n".join(rows)


def consent_buttons(
    referral_id: int, choices: Sequence[tuple[str, int]] = ()
) -> InlineKeyboardMarkup:
    """Yes, then any "yes, with …" `choices` (label, extra), then No; one button a row when
    there are choices."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes, pass it on"), callback_data=ReferralCb(referral_id=referral_id, agree=True)
    )
    for label, extra in choices:
        builder.button(
            text=label, callback_data=ReferralWithCb(referral_id=referral_id, extra=extra)
        )
    builder.button(text=_("✖ No"), callback_data=ReferralCb(referral_id=referral_id, agree=False))
    if choices:
        builder.adjust(1)
    return builder.as_markup()


def partner_card(
    view: PartnerView,
    case: Case,
    citizen: Citizen | None,
    network: Network,
    referred_by: str,
    reason: str | None = None,
) -> str:
    """The card heading a partner's topic, in the staff language; nothing the view leaves out
    (`citizen` None: the resident's data was erased meanwhile)."""
    if view.name and citizen is not None:
        handle = f" @{citizen.username}" if view.account and citizen.username else ""
        account = f" (id {citizen.telegram_id})" if view.account else ""
        who = fmt(
            "{name}{handle}{account}", name=citizen.first_name, handle=handle, account=account
        )
    else:
        who = _("not shared")
    rows = [
        f"🤝 <b>{quote(case.ref)}</b>",
        fmt(_("Referred by: {desk}"), desk=referred_by),
        *([fmt(_("Why: {reason}"), reason=reason)] if reason else []),
        *case_facts(case, network),
        _("Reporter: {who}").format(who=who),
    ]
    if view.location and case.latitude is not None and case.longitude is not None:
        rows.append(
            fmt(_("Location: {place}"), place=f"{case.latitude:.5f}, {case.longitude:.5f}")
        )
    if view.location and case.location_note:
        rows.append(fmt(_("Where, in the resident's words: {note}"), note=case.location_note))
    if view.replies:
        rows.append(_("Messages you write in this topic reach the citizen from Beatline."))
    else:
        rows.append(_("ℹ️ For your information only: messages here do not reach the citizen."))
    rows += ["", quote(case.description or "—")]
    return "\n".join(rows)


def partner_topic_title(case: Case, network: Network) -> str:
    return " · ".join([f"🤝 {case.ref}", *staff_names(case, network)])[:128]
