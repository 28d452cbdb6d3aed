"""The relayed messages and the referrals of the seeded cases (bench.seeding), written by
server-side SQL in chunks of cases."""

from __future__ import annotations

import time

import asyncpg

from bench.seeding_shape import BLIND, CHUNK_CASES, Progress, Shape, rate
from bot.network.schema import Network


async def messages(connection: asyncpg.Connection, shape: Shape, say: Progress) -> None:
    """`per_case` messages per case: the report itself, then the resident and the desk in
    turn (every sixth an internal note); a new case has only the resident's."""
    started = time.perf_counter()
    m = shape.per_case
    mid = f"((c.id - 1) * {m} + k)"
    resident = f"coalesce(z.chat_id, {BLIND.format(mid)})"
    insert = f"""
    INSERT INTO case_message (id, case_id, direction, source_chat_id, source_message_id,
      target_chat_id, target_message_id, kind, file_id, text, language, author_id,
      author_name, created_at)
    SELECT id, case_id, direction,
      CASE WHEN direction = 'citizen' THEN resident ELSE staff_chat_id END,
      2 * id,
      CASE direction WHEN 'citizen' THEN staff_chat_id WHEN 'staff' THEN resident END,
      CASE WHEN k = 1 THEN card_message_id WHEN direction <> 'note' THEN 2 * id + 1 END,
      CASE WHEN id % 10 = 3 THEN 'photo' ELSE 'text' END,
      CASE WHEN id % 10 = 3 THEN 'AgACAgQAAxkBAAI' || md5(id::text) END,
      CASE WHEN id % 10 = 3 THEN NULL
           WHEN direction = 'citizen' THEN 'They are back now, two of them by the entrance of '
             || 'number ' || k || '. The car is dark blue.'
           WHEN direction = 'staff' THEN 'Thank you. A team is on its way; can you tell us '
             || 'what they are wearing?'
           ELSE '// checked the camera footage, nothing yet' END,
      CASE WHEN direction = 'citizen' THEN language END,
      CASE WHEN direction <> 'citizen' THEN assignee_id END,
      CASE WHEN direction <> 'citizen' THEN assignee_name END,
      CASE WHEN k = 1 THEN created_at
           WHEN first_reply_at IS NULL
             THEN created_at + ($1::timestamptz - created_at) * ((k - 1)::float / {m})
           ELSE first_reply_at + (coalesce(closed_at, $1::timestamptz) - first_reply_at)
             * ((k - 2)::float / {m}) END
    FROM (
      SELECT {mid} AS id, c.id AS case_id, k, {resident} AS resident, c.staff_chat_id,
        c.card_message_id, c.language, c.assignee_id, c.assignee_name, c.created_at,
        c.first_reply_at, c.closed_at,
        CASE WHEN k = 1 OR c.status = 'new' OR k % 2 = 1 THEN 'citizen'
             WHEN k % 6 = 0 THEN 'note' ELSE 'staff' END AS direction
      FROM "case" c LEFT JOIN citizen z ON z.id = c.citizen_id
      CROSS JOIN generate_series(1, {m}) AS k
      WHERE c.id BETWEEN $2 AND $3
    ) AS planned
    """
    chunk = max(1, CHUNK_CASES // 5)
    for low in range(1, shape.cases + 1, chunk):
        high = min(low + chunk - 1, shape.cases)
        await connection.execute(insert, shape.now, low, high)
        if high % (chunk * 10) == 0 or high == shape.cases:
            rate(say, "case messages", high * m, started, final=high == shape.cases)


async def referrals(connection: asyncpg.Connection, network: Network, shape: Shape) -> None:
    """Referred cases, and a few closed ones, were proposed to a partner."""
    partners = [desk for desk in network.desks if desk.kind.value == "partner"]
    if not partners:
        return
    values = ",".join(
        f"({n}, '{desk.code}', {desk.groups[0] if desk.groups else 'NULL'})"
        for n, desk in enumerate(partners)
    )
    await connection.execute(
        f"""
        INSERT INTO referral (case_id, partner, partner_chat_id, info_only, status, thread_id,
                              proposed_by, reason, created_at, answered_at)
        SELECT c.id, p.code, p.chat, c.id % 9 = 0,
               CASE c.id % 5 WHEN 0 THEN 'proposed' WHEN 1 THEN 'declined' ELSE 'accepted' END,
               CASE WHEN c.id % 5 > 1 THEN 500000 + c.id END,
               c.assignee_id, 'Noise from the flat above, for the housing association.',
               -- a case replied to within the last hours was not referred in the future
               c.first_reply_at + least(interval '1 hour', (n.now - c.first_reply_at) / 3),
               CASE WHEN c.id % 5 > 0 THEN c.first_reply_at
                 + least(interval '5 hours', (n.now - c.first_reply_at) * 2 / 3) END
        FROM "case" c CROSS JOIN (SELECT $1::timestamptz AS now) AS n
        JOIN (VALUES {values}) AS p (n, code, chat) ON p.n = c.id % {len(partners)}
        -- about a quarter of the open cases (once seeded as "referred"), and a few closed ones
        WHERE (c.status = 'open' AND c.id % 4 = 0) OR (c.status = 'closed' AND c.id % 31 = 0)
        """,
        shape.now,
    )
