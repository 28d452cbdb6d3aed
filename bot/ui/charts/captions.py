"""The figures as sentences: the caption under the album, the report's summary, and why a
period was refused."""

from __future__ import annotations

from bot.domain.stats import SMALL_CELL, CaseFigures, Durations, Figures, PeriodError
from bot.ui.charts.names import Names
from bot.ui.i18n import _, n_
from bot.ui.texts import period_problem, quote

CAPTION_LIMIT = 1024  # Telegram's caption limit: the caption must fit under an album


def period_problem_text(error: PeriodError) -> str:
    """Why a /stats argument was refused, with the forms that work."""
    examples = _(
        "Use /stats for the last 4 weeks, /stats 2026-11 for a month, or "
        "/stats 2026-11-01 2026-11-30 for a range of days."
    )
    return period_problem(error, examples)


def _spread(durations: Durations, names: Names) -> dict[str, object]:
    """The {median}, {p90} and {count} of a sentence about durations."""
    return {
        "median": names.duration(durations.median),
        "p90": names.duration(durations.p90),
        "count": durations.count,
    }


def response_lines(cases: CaseFigures, names: Names) -> list[str]:
    """Response times, the target share, reminders and escalations as sentences."""
    lines = [
        n_(
            "First staff reply: median {median}, 90% within {p90} ({count} case)",
            "First staff reply: median {median}, 90% within {p90} ({count} cases)",
            cases.first_reply.count,
        ).format(**_spread(cases.first_reply, names)),
    ]
    if cases.unanswered:
        lines.append(_("No staff reply yet: {count}").format(count=cases.unanswered))
    if cases.target.judged:
        lines.append(
            _("Answered within the target time: {share} ({within} of {judged})").format(
                share=names.percent(cases.target.share),
                within=cases.target.within,
                judged=cases.target.judged,
            )
        )
    lines += [
        n_(
            "Closed: median {median}, 90% within {p90} ({count} case)",
            "Closed: median {median}, 90% within {p90} ({count} cases)",
            cases.closing.count,
        ).format(**_spread(cases.closing, names)),
        _("Reminders: {reminders} · escalations: {escalations}").format(
            reminders=cases.reminders, escalations=cases.escalations
        ),
    ]
    return lines


def summary_lines(figures: Figures, names: Names) -> list[str]:
    """The headline figures as plain sentences (the caption and the report's first page)."""
    cases = figures.cases
    lines = [
        _("New cases: {new} · open at the end: {open} · closed: {closed}").format(
            new=cases.new, open=cases.open_at_end, closed=cases.closed
        ),
        *response_lines(cases, names),
    ]
    if cases.rating_mean is not None:
        lines.append(
            n_(
                "Rating: {mean} of 5 ({count} rating)",
                "Rating: {mean} of 5 ({count} ratings)",
                cases.rated,
            ).format(mean=names.number(cases.rating_mean), count=cases.rated)
        )
    lines += pulse_lines(figures, names)
    if figures.alerts is not None:
        lines.append(
            _(
                "Alerts sent: {count} · delivered: {delivered} · failed: {failed} · "
                "blocked: {blocked}"
            ).format(
                count=len(figures.alerts),
                delivered=sum(a.delivered for a in figures.alerts),
                failed=sum(a.failed for a in figures.alerts),
                blocked=sum(a.blocked for a in figures.alerts),
            )
        )
    return lines


def caption(figures: Figures, names: Names) -> str:
    title = _("📊 Statistics: {scope}").format(scope=names.scope(figures.scope)[:64])
    lines = [
        f"<b>{quote(title)}</b>",
        quote(names.period(figures.period)),
        "",
        *(quote(line) for line in summary_lines(figures, names)),
        "",
        "<i>" + quote(small_numbers_note()) + "</i>",
    ]
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else "\n".join(lines[:3])


def small_numbers_note() -> str:
    return _('Fewer than 5 cases per area, category or desk are shown as "< 5".')


def pulse_lines(figures: Figures, names: Names) -> list[str]:
    """Each trust-pulse question's latest shown monthly mean (none before anyone answered)."""
    pulse = figures.pulse
    if pulse is None or not pulse.answered:
        return []
    lines = []
    for question in pulse.questions:
        shown = [
            (month, score)
            for month, score in zip(pulse.months, pulse.trend[question], strict=True)
            if score.mean is not None
        ]
        if not shown:
            continue
        month, score = shown[-1]
        lines.append(
            n_(
                "{question}: {mean} of 5 in {month} ({count} answer)",
                "{question}: {mean} of 5 in {month} ({count} answers)",
                # a hidden count is written "< 5": the form that goes with 5
                SMALL_CELL if score.answers.count is None else score.answers.count,
            ).format(
                question=names.question(question),
                mean=names.number(round(score.mean or 0.0, 1)),
                month=names.month(month),
                count=score.answers.text(),
            )
        )
    return lines
