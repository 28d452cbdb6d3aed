"""What `check-config` says about routing: the rule table and rules or desks that never apply."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.network.desks import DeskKind
from bot.network.schema import Network


@dataclass(frozen=True)
class RoutingReport:
    table: list[str]
    warnings: list[str]
    notes: list[str]


GROUP_MESSAGES_PER_MINUTE = 20


def analyse(network: Network) -> RoutingReport:
    """Try every (category, area, language) the file allows and see which rule takes it."""
    rules = network.routing_rules
    first_hits = [0] * len(rules)
    reached: set[str] = set()
    category_desks: dict[str, set[str]] = {c.code: set() for c in network.categories}
    combos = itertools.product(
        (c.code for c in network.categories), (a.code for a in network.areas), network.languages
    )
    for category, area, language in combos:
        index = next(
            (i for i, rule in enumerate(rules) if rule.matches(category, area, language)), None
        )
        desk = rules[index].desk if index is not None else network.default_desk
        if index is not None:
            first_hits[index] += 1
        reached.add(desk)
        category_desks[category].add(desk)

    table = [
        f"  {number:>2}. {rule.describe():<55} → {rule.desk}"
        for number, rule in enumerate(rules, start=1)
    ]
    table.append(f"  {'--':>3} {'everything else':<55} → {network.default_desk} (default)")
    warnings = [
        f"rule {number} ({rule.describe()} → {rule.desk}) can never apply: "
        "earlier rules take everything it matches"
        for number, (rule, hits) in enumerate(zip(rules, first_hits, strict=True), start=1)
        if hits == 0
    ]
    warnings += [
        f"category {code!r}: no rule sends it anywhere; it always goes to the default desk"
        for code, desks in category_desks.items()
        if desks == {network.default_desk} and not _named_by_rule(network, code)
    ]
    warnings += [
        f"desk {desk.code!r}: no report is ever routed to it"
        for desk in network.desks
        if desk.kind is DeskKind.POLICE and desk.code not in reached
    ]
    notes = [
        f"desk {desk.code!r}: {len(desk.groups)} supergroups; each new case goes to the one "
        f"with the fewest messages waiting, so the desk can take about "
        f"{GROUP_MESSAGES_PER_MINUTE * len(desk.groups)} bot messages a minute"
        for desk in network.desks
        if len(desk.groups) > 1
    ]
    notes += [
        f"desk {desk.code!r}: staff are {desk.staff.describe()}"
        for desk in network.desks
        if desk.staff.who != "members"
    ]
    warnings += [
        f"desk {desk.code!r}: staff rule 'ids' lists nobody, so nobody can work on its cases"
        for desk in network.desks
        if desk.staff.who == "ids" and not desk.staff.ids
    ]
    return RoutingReport(table, warnings, notes)


def _named_by_rule(network: Network, category: str) -> bool:
    return any(category in rule.categories for rule in network.routing_rules)
