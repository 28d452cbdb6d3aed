"""Fills a migrated PostgreSQL database with a town's (or a city's) history for bench.seeded:
residents, cases over about two years, their relayed messages, referrals and subscriptions.

Everything is written by server-side SQL (INSERT … SELECT over generate_series) in chunks, so a
million cases take minutes, not hours. The shape: many residents with a few cases each and a
few with very many; statuses by age (old cases mostly closed, recent ones open or new); cases
closed longer than the retention period already pseudonymised; about one case in eight
anonymous; sealed columns hold dummy text, except for the sample residents the bench acts as,
whose sealed lists and seals are real (the bench opens them with the key).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from bench.seeding_messages import messages, referrals
from bench.seeding_samples import choose
from bench.seeding_shape import (
    CASE_LANGUAGES,
    CHUNK_CASES,
    HEAVY_RESIDENTS,
    RETENTION_DAYS,
    SPAN_DAYS,
    UI_LANGUAGES,
    Progress,
    Samples,
    Shape,
    rate,
)
from bot.network.schema import Network
from storage.sealing import Sealer


async def fill(url: str, shape: Shape, network: Network, sealer: Sealer, say: Progress) -> Samples:
    """Write the rows (the database is migrated, up to bench.seeded.BEFORE_TALLIES, and
    empty) and choose the samples; then VACUUM ANALYZE it (`analyse`) once it is complete."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "SET synchronous_commit = off; SET work_mem = '256MB';"
            # Rows are consistent by construction; skipping the FK triggers halves the time.
            # Every trigger is skipped, the tallies' too: bench.seeded migrates after the fill.
            "SET session_replication_role = replica;"
        )
        await _tables(connection, shape, network)
        await _citizens(connection, shape, network, say)
        await _cases(connection, shape, say)
        await messages(connection, shape, say)
        await referrals(connection, network, shape)
        await _finish(connection)
        samples = await choose(connection, sealer)
    finally:
        await connection.close()
    return samples


async def _tables(connection: asyncpg.Connection, shape: Shape, network: Network) -> None:
    """Temporary tables: routing (category × area → desk), languages, and the plan of cases."""
    await connection.execute(
        "CREATE TEMP TABLE route (n int, category text, area text, desk text, chat bigint);"
        "CREATE TEMP TABLE lang (n int, code text)"
    )
    combos = [
        (category.code, area.code) for category in network.categories for area in network.areas
    ]
    rows = []
    for n, (category, area) in enumerate(combos):
        desk = network.route(category, area, network.default_language)
        rows.append((n, category, area, desk.code, desk.groups[n % len(desk.groups)]))
    await connection.copy_records_to_table("route", records=rows)
    await connection.copy_records_to_table("lang", records=list(enumerate(CASE_LANGUAGES)))
    step = timedelta(days=SPAN_DAYS) / shape.cases
    await connection.execute(
        "CREATE TEMP TABLE plan (id int PRIMARY KEY, owner int, r_privacy float, r_status float,"
        " r_reply float, r_close float, r_misc float, created_at timestamptz)"
    )
    await connection.execute("SELECT setseed(0.42)")
    await connection.execute(
        f"""
        INSERT INTO plan
        SELECT i,
               CASE WHEN i % 100 = 0 THEN 1 + (i / 100) % {HEAVY_RESIDENTS}
                    ELSE {HEAVY_RESIDENTS + 1}
                         + floor(random() * {shape.citizens - HEAVY_RESIDENTS})::int
               END,
               random(), random(), random(), random(), random(),
               $1::timestamptz + (i - 1 + random()) * $2::interval
        FROM generate_series(1, {shape.cases}) AS i
        """,
        shape.start,
        step,
    )
    await connection.execute(
        """CREATE TEMP TABLE years AS
        SELECT extract(year FROM created_at AT TIME ZONE 'UTC')::int AS year,
               min(id) AS first_id, count(*) AS cases
        FROM plan GROUP BY 1"""
    )


async def _citizens(
    connection: asyncpg.Connection, shape: Shape, network: Network, say: Progress
) -> None:
    started = time.perf_counter()
    languages = _array(UI_LANGUAGES)
    await connection.execute(
        f"""
        INSERT INTO citizen (id, telegram_id, chat_id, first_name, username, language,
                             consent_at, blocked_bot, banned, sealed_cases, created_at,
                             last_seen_at)
        SELECT i, 700000000 + i, 700000000 + i, 'Resident ' || i,
               CASE WHEN i % 3 = 0 THEN 'resident_' || i END,
               ({languages})[1 + i % {len(UI_LANGUAGES)}],
               $1::timestamptz, i % 33 = 0, false,
               left(repeat(md5(i::text), 8), 252),  -- a sealed list's length; dummy text
               $1::timestamptz, $2::timestamptz
        FROM generate_series(1, {shape.citizens}) AS i
        """,
        shape.start,
        shape.now,
    )
    areas = sorted(area.code for area in network.areas)
    await connection.execute(
        f"""INSERT INTO subscription (citizen_id, kind, code, created_at)
        SELECT id, 'area', ({_array(areas)})[1 + id % {len(areas)}], created_at
        FROM citizen WHERE id % 4 = 0"""
    )
    rate(say, "citizens", shape.citizens, started)


def _case_select(shape: Shape) -> str:
    """The SELECT that turns plan rows into case rows (`lo`/`hi` bound the chunk)."""
    age = "($1::timestamptz - p.created_at)"
    now = "$1::timestamptz"
    return f"""
    WITH shaped AS (
      SELECT p.*,
        CASE
          WHEN {age} > interval '60 days' THEN
            CASE WHEN r_status < 0.96 THEN 'closed' ELSE 'open' END
          WHEN {age} > interval '7 days' THEN
            CASE WHEN r_status < 0.70 THEN 'closed' ELSE 'open' END
          ELSE CASE WHEN r_status < 0.30 THEN 'closed' WHEN r_status < 0.80 THEN 'open'
                    ELSE 'new' END
        END AS status,
        least(exp(r_reply * 8), extract(epoch FROM {age}) / 120) AS reply_minutes,
        p.owner > {HEAVY_RESIDENTS} AND r_privacy < 0.12 AS anonymous
      FROM plan p WHERE p.id BETWEEN $2 AND $3
    ), timed AS (
      SELECT s.*,
        CASE WHEN status <> 'new' THEN created_at + reply_minutes * interval '1 minute'
        END AS first_reply_at
      FROM shaped s
    ), closed AS (
      SELECT t.*,
        -- Uniform over the time the case has had, up to 30 days: capping each closing at
        -- "now" instead piled the recent cases' closings just before it.
        CASE WHEN status = 'closed' THEN first_reply_at
             + least({now} - first_reply_at, interval '30 days') * r_close * 0.99
        END AS closed_at
      FROM timed t
    )
    SELECT c.id,
      r.category, r.area, r.desk, r.chat,
      c.status, c.first_reply_at, c.closed_at,
      coalesce(c.closed_at < {now} - interval '{RETENTION_DAYS} days', false) AS gone,
      c.anonymous, c.owner, c.created_at, c.r_privacy, c.r_misc, c.reply_minutes,
      l.code AS language, y.year, c.id - y.first_id + 1 AS number
    FROM closed c
    JOIN route r ON r.n = (c.id::bigint * 104729 + c.owner) % (SELECT count(*) FROM route)
    JOIN lang l ON l.n = (c.id::bigint * 7919) % {len(CASE_LANGUAGES)}
    JOIN years y ON y.year = extract(year FROM c.created_at AT TIME ZONE 'UTC')::int
    """


async def _cases(connection: asyncpg.Connection, shape: Shape, say: Progress) -> None:
    started = time.perf_counter()
    insert = f"""
    INSERT INTO "case" (id, ref, citizen_id, category, area, latitude, longitude,
      location_rounded, language, language_guess, privacy, status, desk, assignee_id,
      assignee_name, pseudonym, staff_chat_id, thread_id, card_message_id, priority,
      draft_key, description, outcome, rating, created_at, first_reply_at, closed_at,
      sla_reminded_at, sla_escalated_at, pseudonymised_at)
    SELECT id,
      'BL-' || lpad((year % 100)::text, 2, '0') || '-'
        || lpad(number::text, greatest(5, length(number::text)), '0'),
      CASE WHEN anonymous OR gone THEN NULL ELSE owner END,
      category, area, 52.08 + r_misc * 0.03, 5.10 + r_privacy * 0.04, anonymous OR gone,
      language, CASE WHEN language = 'other' THEN 'sv' ELSE language END,
      CASE WHEN anonymous THEN 'anonymous' WHEN r_privacy < 0.55 THEN 'confidential'
           ELSE 'identified' END,
      status, desk,
      CASE WHEN status <> 'new' THEN 5000 + id % 40 END,
      CASE WHEN status <> 'new' THEN 'Officer ' || id % 40 END,
      CASE WHEN anonymous THEN 'C-' || upper(left(md5(id::text), 4)) || '-'
           || upper(substr(md5(id::text), 5, 4)) || '-' || upper(substr(md5(id::text), 9, 4))
      END,
      chat, 1000 + id, 10 * id,
      CASE WHEN r_misc > 0.97 THEN 'urgent' ELSE 'normal' END,
      md5(id::text),
      'Report ' || id || ': two people tried the door of the bicycle shed behind the flats '
        || 'around midnight; one wore a grey hoodie and they left towards the canal.',
      CASE WHEN status = 'closed' THEN 'Officers spoke to those involved; no further action.'
      END,
      CASE WHEN status = 'closed' AND r_misc < 0.5 THEN 1 + floor(r_misc * 10)::int END,
      created_at, first_reply_at, closed_at,
      CASE WHEN reply_minutes > 60 THEN created_at + interval '60 minutes' END,
      CASE WHEN reply_minutes > 120 THEN created_at + interval '120 minutes' END,
      CASE WHEN gone THEN closed_at + interval '{RETENTION_DAYS} days' END
    FROM ({_case_select(shape)}) AS planned
    """
    seals = """
    INSERT INTO case_seal (case_id, sealed)
    SELECT id, left(md5(id::text) || md5(ref), 48) FROM "case"
    WHERE id BETWEEN $1 AND $2 AND privacy = 'anonymous' AND pseudonymised_at IS NULL
    """
    for low in range(1, shape.cases + 1, CHUNK_CASES):
        high = min(low + CHUNK_CASES - 1, shape.cases)
        await connection.execute(insert, shape.now, low, high)
        await connection.execute(seals, low, high)
        if high % (CHUNK_CASES * 8) == 0 or high == shape.cases:
            rate(say, "cases", high, started, final=high == shape.cases)
    await connection.execute("INSERT INTO case_counter (year, last) SELECT year, cases FROM years")


async def _finish(connection: asyncpg.Connection) -> None:
    for table in ("citizen", "case", "case_message", "referral", "subscription"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
        )


async def analyse(url: str, say: Progress) -> None:
    """VACUUM ANALYZE, as autovacuum would have done on a database that grew over years."""
    started = time.perf_counter()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    say(f"  vacuum analyze: {time.perf_counter() - started:.1f} s")


def _array(values: Sequence[str]) -> str:
    """A PostgreSQL text array literal of our own constants (codes from the network file)."""
    return "ARRAY[" + ",".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def sample_lines(samples: Samples) -> Sequence[str]:
    return [
        f"  samples: {len(samples.residents)} residents, {len(samples.heavy)} with many cases, "
        f"{len(samples.refs)} refs, {len(samples.topics)} topics, {len(samples.replies)} replies"
    ]
