"""What bench.seeded acts on, chosen spread over a seeded database (bench.seeding) while its
plan of cases is still at hand; the sample residents' sealed lists and seals are made real."""

from __future__ import annotations

import random

import asyncpg

from bench.seeding_shape import HEAVY_RESIDENTS, SAMPLES, Samples
from storage.sealing import Sealer


async def choose(connection: asyncpg.Connection, sealer: Sealer) -> Samples:
    """Choose what the bench acts on, and make the sample residents' seals real."""
    residents = [
        int(row["owner"])
        for row in await connection.fetch(
            f"""SELECT owner FROM plan p JOIN "case" c ON c.id = p.id
            WHERE owner > {HEAVY_RESIDENTS} AND c.pseudonymised_at IS NULL
            GROUP BY owner ORDER BY md5(owner::text) LIMIT {SAMPLES}"""
        )
    ]
    heavy = list(range(1, HEAVY_RESIDENTS + 1))
    for citizen_id in [*heavy, *residents]:
        anonymous = [
            int(row["id"])
            for row in await connection.fetch(
                """SELECT c.id FROM plan p JOIN "case" c ON c.id = p.id
                WHERE p.owner = $1 AND c.privacy = 'anonymous' AND c.pseudonymised_at IS NULL""",
                citizen_id,
            )
        ]
        await connection.execute(
            "UPDATE citizen SET sealed_cases = $2 WHERE id = $1",
            citizen_id,
            sealer.seal_case_ids(anonymous, citizen_id),
        )
        await connection.executemany(
            "UPDATE case_seal SET sealed = $2 WHERE case_id = $1",
            [(case_id, sealer.seal_int(citizen_id, f"case:{case_id}")) for case_id in anonymous],
        )
    refs = [
        (int(row["owner"]), str(row["ref"]))
        for row in await connection.fetch(
            """SELECT DISTINCT ON (p.owner) p.owner, c.ref FROM plan p JOIN "case" c
            ON c.id = p.id WHERE p.owner = ANY($1::int[]) AND c.pseudonymised_at IS NULL
            ORDER BY p.owner, md5(c.ref)""",
            residents,
        )
    ]
    random.Random(7).shuffle(refs)
    topics = [
        (int(row["staff_chat_id"]), int(row["thread_id"]), 2 * 10**9 + n)
        for n, row in enumerate(
            await connection.fetch(
                f"""SELECT staff_chat_id, thread_id FROM "case"
                WHERE status <> 'closed' AND citizen_id IS NOT NULL
                ORDER BY md5(id::text) LIMIT {SAMPLES}"""
            )
        )
    ]
    replies = [
        (int(row["citizen_id"]), int(row["target_chat_id"]), int(row["target_message_id"]))
        for row in await connection.fetch(
            f"""SELECT DISTINCT ON (md5(c.id::text)) c.citizen_id, m.target_chat_id,
                   m.target_message_id
            FROM (SELECT * FROM "case" WHERE citizen_id IS NOT NULL AND status <> 'closed'
                  ORDER BY md5(id::text) LIMIT {SAMPLES * 3}) AS c
            JOIN case_message m ON m.case_id = c.id AND m.direction = 'staff'
            ORDER BY md5(c.id::text), m.id DESC LIMIT {SAMPLES}"""
        )
    ]
    return Samples(residents, heavy, refs, topics, replies)
