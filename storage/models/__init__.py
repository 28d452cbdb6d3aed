"""Database tables (see docs/architecture.md), in portable types so that SQLite and PostgreSQL
share one set of migrations. One module per family of tables; import them from here."""

from storage.models.alerts import (
    Announcement,
    BroadcastProgress,
    CapMessage,
    Delivery,
    Occurrence,
    Subscription,
)
from storage.models.base import NAMING, Base, UtcDateTime
from storage.models.cases import (
    AuditEvent,
    Case,
    CaseBan,
    CaseCounter,
    CaseMessage,
    CaseSeal,
    Citizen,
    MessageVersion,
)
from storage.models.pulse import PulseAsk, PulseTally
from storage.models.referrals import Referral, ServiceRequest
from storage.models.tallies import (
    AreaFollowers,
    CaseDuration,
    CaseOpen,
    CaseOpened,
    CaseTally,
    ReferralTally,
)
from storage.models.transport import OutboxMessage, ProcessedUpdate

__all__ = [
    "NAMING",
    "Announcement",
    "AreaFollowers",
    "AuditEvent",
    "Base",
    "BroadcastProgress",
    "CapMessage",
    "Case",
    "CaseBan",
    "CaseCounter",
    "CaseDuration",
    "CaseMessage",
    "CaseOpen",
    "CaseOpened",
    "CaseSeal",
    "CaseTally",
    "Citizen",
    "Delivery",
    "MessageVersion",
    "Occurrence",
    "OutboxMessage",
    "ProcessedUpdate",
    "PulseAsk",
    "PulseTally",
    "Referral",
    "ReferralTally",
    "ServiceRequest",
    "Subscription",
    "UtcDateTime",
]
