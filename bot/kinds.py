"""The vocabulary every layer shares: what state a case is in, how private a report is, which
way a message went, how sure a delivery is. Plain enums, with no database and no Telegram, so
texts, keyboards and the domain can use them without importing storage."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CaseStatus(StrEnum):
    """Where a case stands (`case.status`): NEW until an officer takes or answers it, OPEN while
    the desk works on it, CLOSED with an outcome (/reopen makes it OPEN again). A referral to a
    partner has a status of its own (`ReferralStatus`); the case stays with its desk."""

    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class Privacy(StrEnum):
    """How much of the resident the desk sees (`case.privacy`, chosen in the report wizard):
    IDENTIFIED their name, @username and Telegram id; CONFIDENTIAL their first name; ANONYMOUS
    nothing (a pseudonym per case, the link to the resident sealed, content re-sent, never
    copied from their chat)."""

    ANONYMOUS = "anonymous"
    CONFIDENTIAL = "confidential"
    IDENTIFIED = "identified"


class Direction(StrEnum):
    """Who wrote a `case_message`: the resident, staff to the resident, staff's `//` note (never
    shown to the resident), or the bot itself to the resident about the case (a receipt)."""

    CITIZEN = "citizen"
    STAFF = "staff"
    NOTE = "note"
    SYSTEM = "system"


class ReferralStatus(StrEnum):
    """A referral to a partner: PROPOSED while the resident is asked, then ACCEPTED (the partner
    gets the case) or DECLINED (by the resident, or when they erased their data)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class AnnouncementStatus(StrEnum):
    AWAITING = "awaiting"  # an urgent alert to many residents waits for a second coordinator
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """What became of one alert to one resident (`delivery.status`): PENDING until its outbox
    message is sent (the outbox row carries the in-flight state), then SENT, FAILED, BLOCKED
    (they blocked the bot), or UNKNOWN (a crash interrupted the call: counted, never re-sent)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to Telegram; a crash now leaves it here
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good (the effect told whoever needs to know)
    UNKNOWN = "unknown"  # an at-most-once message interrupted mid-call: never sent again


class Guarantee(StrEnum):
    """What a crash between the Bot API call and recording its result may do to a message."""

    AT_LEAST_ONCE = "at_least_once"  # sent again after a crash, marked possibly_repeated
    AT_MOST_ONCE = "at_most_once"  # becomes unknown after a crash, never sent twice (alerts)


class Priority(IntEnum):
    """Within one chat, interactive messages never wait behind broadcast ones."""

    INTERACTIVE = 0  # replies, relays, cards, notes: somebody is waiting for them
    BROADCAST = 1  # alerts to subscribers


class CasePriority(StrEnum):
    """How pressing a case is (`case.priority`): URGENT once the resident's words suggest an
    emergency (its topic and card are marked 🔴 and the card pinned), NORMAL otherwise. The
    /announce wizard's priority buttons use the same values for an alert that ignores quiet
    hours."""

    NORMAL = "normal"
    URGENT = "urgent"


class SubscriptionKind(StrEnum):
    AREA = "area"
    TOPIC = "topic"
    PULSE = "pulse"  # the resident agreed to the trust pulse's occasional question


class AlertFeedback(StrEnum):
    """What a resident pressed under an alert (`AlertCb.action`). USEFUL and NOT_USEFUL are
    kept in `delivery.feedback` and counted in the delivery report; INFO is never stored: it
    starts a report linked to the alert."""

    INFO = "info"
    USEFUL = "useful"
    NOT_USEFUL = "not_useful"


class ResponseAction(StrEnum):
    """What the response-time sweep does about a case still waiting for a first reply: REMIND
    in its topic once the desk's target has passed (`case.sla_reminded_at`), ESCALATE to the
    escalation chat at twice the target (`case.sla_escalated_at`). Each is done once a case."""

    REMIND = "remind"
    ESCALATE = "escalate"


class PulseQuestion(StrEnum):
    """The trust pulse's questions, each answered from 1 to 5."""

    SAFETY = "safety"  # how safe do you feel in your neighbourhood?
    POLICE = "police"  # how much do you trust the local police?
