"""Database tables (see docs/architecture.md), in portable types so that SQLite and PostgreSQL
share one set of migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.kinds import (
    AnnouncementStatus,
    CaseStatus,
    DeliveryStatus,
    Direction,
    Guarantee,
    OutboxStatus,
    Priority,
    Privacy,
    ReferralStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite drops the zone, so it is put back here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to the database; use an aware UTC datetime"
            raise ValueError(msg)
        # SQLite keeps only the wall-clock part, so everything is stored as UTC.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Citizen(Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    banned: Mapped[bool] = mapped_column(default=False)
    # Quiet hours for non-urgent alerts, local "HH:MM" in the network's time zone.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # Follow-ups allowed right now (a token bucket refilled over time), so a flood is refused.
    flood_tokens: Mapped[float | None] = mapped_column(Float)
    flood_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    flood_noticed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The ids of this resident's anonymous cases, sealed with the anonymity key and padded, so
    # a database dump cannot tell whose they are, or whether someone has any (storage.sealing).
    sealed_cases: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseCounter(Base):
    """The last reference number handed out per year, so references read BL-26-00001 onwards."""

    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    # None for an anonymous case (its resident is in case_seal, sealed) and for a case whose
    # resident was forgotten or that was pseudonymised after the retention period.
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_rounded: Mapped[bool] = mapped_column(default=False)  # to about 500 m
    location_note: Mapped[str | None] = mapped_column(Text)  # an address the resident typed
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the report was edited
    language: Mapped[str] = mapped_column(String(8))  # a configured language, or "other"
    language_guess: Mapped[str | None] = mapped_column(String(8))  # the detector's best guess
    privacy: Mapped[Privacy] = mapped_column(String(16), default=Privacy.CONFIDENTIAL)
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.NEW, index=True)
    desk: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(128))
    # What staff see instead of a name in an anonymous case; unlinkable across cases.
    pseudonym: Mapped[str | None] = mapped_column(String(16))
    staff_chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    alert_id: Mapped[int | None] = mapped_column(Integer)  # the alert the report answers
    # The wizard's draft this case was opened from: a second "Send" of it opens nothing.
    draft_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Response-time bookkeeping, so a restart neither loses nor repeats a reminder.
    sla_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Until when the citizen has been told the desk is off duty (one notice per period).
    off_duty_notice_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the link to its resident was removed for good (/forget or the retention period).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    citizen: Mapped[Citizen | None] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("staff_chat_id", "thread_id"),
        Index("ix_case_created_at", "created_at"),
        Index("ix_case_closed_at", "closed_at"),
    )


class CaseMessage(Base):
    """One message of a case conversation, with its ids on both sides of the relay.

    It is recorded when it arrives; `target_message_id` is filled in when the courier has
    delivered its copy (bot.workflows.effects). A citizen's text that is part of the report
    itself has `target_chat_id` set from the start: its copy is the case card.
    """

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    direction: Mapped[Direction] = mapped_column(String(8))
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    target_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))  # detected, citizen messages only
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(128))  # staff only, for staff eyes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_case_message_target", "target_chat_id", "target_message_id"),
    )


class CaseSeal(Base):
    """The resident behind an anonymous case, kept apart from the case and sealed with the
    anonymity key: a dump of the database alone does not say who reported it."""

    __tablename__ = "case_seal"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    sealed: Mapped[str] = mapped_column(Text)


class MessageVersion(Base):
    """A later version of a relayed message: an edit never overwrites what the other side saw,
    so `CaseMessage.text` keeps the first version and each edit adds a row here."""

    __tablename__ = "message_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_message_id: Mapped[int] = mapped_column(
        ForeignKey("case_message.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """Proof that an update was handled, so a redelivered update does nothing twice."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Referral(Base):
    """A case shared with a partner desk, only after the citizen agreed."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(32))
    # None: the partner is only an Open311 endpoint (see ServiceRequest), it has no group.
    partner_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    info_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReferralStatus] = mapped_column(String(16), default=ReferralStatus.PROPOSED)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    proposed_by: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)  # why, shown to the resident and partner
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("partner_chat_id", "thread_id"),
        Index("ix_referral_created_at", "created_at"),
    )


class CaseBan(Base):
    """A ban made from one case: the resident behind it may open no cases, send no follow-ups,
    rate nothing. Staff see only the case, never who it is, and lift it only from that case."""

    __tablename__ = "case_ban"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # None when the case is anonymous (its seal says who) or its resident was forgotten.
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen.id", ondelete="SET NULL"), index=True
    )
    # A ban that outlived /forget or the retention period: the Telegram id, sealed, so the
    # person is banned again if they come back, and nobody reading the database learns who.
    sealed_person: Mapped[str | None] = mapped_column(Text)
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_by: Mapped[int | None] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Append-only record of staff actions on cases."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(128), default="")
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Subscription(Base):
    """A citizen following alerts for an area or a topic."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "area" or "topic"
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("citizen_id", "kind", "code"),)


class Announcement(Base):
    """A coordinator's multilingual alert: texts per language, audience, schedule."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every area
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every topic
    urgent: Mapped[bool] = mapped_column(default=False)
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # {language: text}
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    schedule: Mapped[str] = mapped_column(String(64), default="once")  # once | cron expression
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a recurring alert's last day
    status: Mapped[AnnouncementStatus] = mapped_column(
        String(16), default=AnnouncementStatus.SCHEDULED
    )
    approved_by: Mapped[int | None] = mapped_column(BigInteger)  # the second coordinator
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Occurrence(Base):
    """One sending of an announcement (a recurring one has many)."""

    __tablename__ = "occurrence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("announcement_id", "due_at"),)


class Delivery(Base):
    """One citizen's copy of one occurrence; the unique key makes a second copy impossible."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), index=True
    )
    # None once the delivery was pseudonymised (retention, /forget); chat_id is then -id.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    fallback: Mapped[bool] = mapped_column(default=False)  # got the default language
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)  # quiet hours push this back
    status: Mapped[DeliveryStatus] = mapped_column(
        String(8), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    feedback: Mapped[str | None] = mapped_column(String(16))  # useful | not_useful

    __table_args__ = (UniqueConstraint("occurrence_id", "chat_id"),)


class OutboxMessage(Base):
    """One Bot API call to make after the transaction that decided it has committed.

    `lane` is the chat it goes to: one lane's messages leave in the order they were written
    (interactive before broadcast), and lanes never wait for each other. `method` is a Bot
    API method name with its fields in `payload`, or a `beatline.*` message that is composed
    when it is sent (an alert, a refreshed case card). A message `into_topic` goes to its
    case's current topic, created (with the case card) if the case has none. `effect` names
    what to record once Telegram answered (the relayed-message map, a reaction, a delivery
    status) or refused.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lane: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.INTERACTIVE)
    guarantee: Mapped[Guarantee] = mapped_column(String(16), default=Guarantee.AT_LEAST_ONCE)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    into_topic: Mapped[bool] = mapped_column(default=False)
    effect: Mapped[str | None] = mapped_column(String(24))
    effect_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)  # one uploaded file, if any
    attachment_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[OutboxStatus] = mapped_column(String(8), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    possibly_repeated: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_outbox_queue", "status", "lane", "priority", "id"),
        Index("ix_outbox_case_id", "case_id"),
        Index("ix_outbox_created_at", "created_at"),
    )


class CapMessage(Base):
    """A CAP 1.2 message as it was published (bot.domain.cap): the exact XML, written in the
    transaction that claimed the announcement's sending (or cancelled it)."""

    __tablename__ = "cap_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE")
    )
    identifier: Mapped[str] = mapped_column(String(160), unique=True)
    msg_type: Mapped[str] = mapped_column(String(8))  # Alert | Update | Cancel
    headline: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    xml: Mapped[str] = mapped_column(Text)


class ServiceRequest(Base):
    """A referral on its way to (or at) a partner's Open311 GeoReport v2 endpoint.

    Written in the transaction in which the resident agreed; a worker posts it after the
    commit, retrying with backoff until the endpoint takes it, and then follows its status.
    `fields` are the exact form fields the resident agreed to (the API key is added when sent).
    """

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    desk: Mapped[str] = mapped_column(String(32))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    media_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # queued → sending → submitted (has an id or a token) → closed
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_shown: Mapped[bool] = mapped_column(default=False)
    possibly_repeated: Mapped[bool] = mapped_column(default=False)
    service_request_id: Mapped[str | None] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(String(64))
    remote_status: Mapped[str | None] = mapped_column(String(16))
    status_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BroadcastProgress(Base):
    """The coordinators' live report of one sending: the message that is edited while alerts go
    out and becomes the delivery report at the end. One edit is outstanding at a time
    (`pending`), so edits keep their spacing however many deliveries finish at once."""

    __tablename__ = "broadcast_progress"

    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # known once it was posted
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last edit Telegram took
    pending: Mapped[bool] = mapped_column(default=False)  # an edit is queued or being sent
    lost: Mapped[bool] = mapped_column(default=False)  # cannot be posted or edited any more
    report: Mapped[str | None] = mapped_column(Text)  # the final delivery report, once known
    report_shown: Mapped[bool] = mapped_column(default=False)


class PulseAsk(Base):
    """When a resident who opted in to the trust pulse was last asked, about which area, and
    whether that question still waits for its answer. It never holds the answer."""

    __tablename__ = "pulse_ask"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    question: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(32))  # "" when the resident follows no area
    waiting: Mapped[bool] = mapped_column(default=True)


class PulseTally(Base):
    """Trust-pulse answers, counted: how many residents of an area gave a score to a question in
    a month. No row says who answered, or when within the month."""

    __tablename__ = "pulse_tally"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first local day
    area: Mapped[str] = mapped_column(String(32), primary_key=True)
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
