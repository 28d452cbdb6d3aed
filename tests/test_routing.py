"""The contact network: routing rules, check-config's analysis, areas from a location, and
duty hours across a DST change and a holiday."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.network.analysis import analyse
from bot.network.base import NetworkError
from bot.network.schema import Network, parse_network
from tests.conftest import NETWORK, ROOT, Harness

CATEGORIES = ["burglary", "nuisance", "traffic", "drugs"]
AREAS = ["north", "south", "centre"]
LANGUAGES = ["en", "nl", "ar", "pl"]
DESKS = ["alpha", "bravo", "charlie", "delta"]


def network_with(rules: list[dict[str, list[str] | str]]) -> Network:
    lines = [
        'default_language = "en"',
        'default_desk = "delta"',
        f"languages = {LANGUAGES!r}".replace("'", '"'),
    ]
    for code in CATEGORIES:
        lines += ["[[categories]]", f'code = "{code}"', f'names = {{ en = "{code}" }}']
    for code in AREAS:
        lines += ["[[areas]]", f'code = "{code}"', f'names = {{ en = "{code}" }}']
    for number, code in enumerate(DESKS, start=1):
        lines += [
            "[[desks]]",
            f'code = "{code}"',
            'kind = "police"',
            f'names = {{ en = "{code}" }}',
            f"chat_id = -100100000000{number}",
        ]
    for rule in rules:
        lines.append("[[rules]]")
        for key, value in rule.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    return parse_network("\n".join(lines))


def sublist(options: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), unique=True, max_size=len(options) - 1)


rules_strategy = st.lists(
    st.fixed_dictionaries(
        {"desk": st.sampled_from(DESKS)},
        optional={
            "categories": sublist(CATEGORIES),
            "areas": sublist(AREAS),
            "languages": sublist(LANGUAGES),
        },
    ),
    max_size=6,
)


@given(
    rules=rules_strategy,
    category=st.sampled_from(CATEGORIES),
    area=st.sampled_from(AREAS),
    language=st.sampled_from(LANGUAGES),
)
def test_every_report_lands_on_the_first_matching_rule_or_the_default(
    rules: list[dict[str, list[str] | str]], category: str, area: str, language: str
) -> None:
    network = network_with(rules)

    def applies(rule: dict[str, list[str] | str]) -> bool:
        return all(
            not rule.get(field) or value in rule[field]
            for field, value in (
                ("categories", category),
                ("areas", area),
                ("languages", language),
            )
        )

    expected = next((rule["desk"] for rule in rules if applies(rule)), "delta")
    assert network.route(category, area, language).code == expected


def test_check_config_warns_about_unreachable_rules_and_idle_desks() -> None:
    network = network_with(
        [
            {"desk": "alpha", "categories": ["traffic"]},
            {"desk": "bravo", "categories": ["traffic"], "areas": ["north"]},  # shadowed
            {"desk": "charlie", "languages": ["ar"]},
        ]
    )

    report = analyse(network)

    assert any("rule 2" in w and "can never apply" in w for w in report.warnings)
    assert "desk 'bravo': no report is ever routed to it" in report.warnings
    assert not any("rule 1" in w or "rule 3" in w for w in report.warnings)
    assert not any("no rule sends it anywhere" in w for w in report.warnings)  # rule 3 does
    assert report.table[0].strip().startswith("1. category in traffic")


def test_check_config_warns_about_categories_that_only_reach_the_default_desk() -> None:
    network = network_with([{"desk": "alpha", "categories": ["traffic"]}])

    warnings = analyse(network).warnings

    assert (
        "category 'burglary': no rule sends it anywhere; it always goes to the default desk"
        in (warnings)
    )
    assert not any("'traffic'" in w for w in warnings)


def test_rules_must_name_known_police_desks_and_languages() -> None:
    with pytest.raises(NetworkError, match=r"rules\.0\.desk: unknown desk 'zulu'"):
        network_with([{"desk": "zulu"}])
    with pytest.raises(NetworkError, match=r"rules\.0\.languages: 'xx' is not in `languages`"):
        network_with([{"desk": "alpha", "languages": ["xx"]}])
    text = NETWORK + '\n[[rules]]\ndesk = "housing"\n'
    with pytest.raises(NetworkError, match="is a partner"):
        parse_network(text)


def test_a_desk_without_a_chat_id_is_refused() -> None:
    text = NETWORK.replace("chat_id = -1001000000003\n", "", 1)
    with pytest.raises(NetworkError, match=r"desks\.2\.chat_id: Field required"):
        parse_network(text)


def test_a_location_picks_the_area_by_polygon_then_nearest_centre() -> None:
    network = parse_network(NETWORK)

    def area_at(lat: float, lon: float) -> str | None:
        found = network.locate(lat, lon)
        return found.code if found else None

    assert area_at(52.09, 5.12) == "centre"  # inside the polygon
    assert area_at(52.09, 5.20) == "east"  # outside, nearest centre
    assert area_at(52.11, 5.12) == "centre"  # just north, nearer the polygon


AMSTERDAM_DST_START = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST


def test_duty_hours_follow_local_time_across_the_dst_change() -> None:
    network = parse_network(NETWORK)
    duty = network.desk("east").duty
    assert duty is not None
    zone = network.zone
    # Friday 27 March 16:30 UTC is 17:30 CET: off duty; back Monday 08:00 CEST = 06:00 UTC.
    friday_evening = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)
    assert not duty.on_duty(friday_evening, zone)
    back = duty.next_start(friday_evening, zone)
    assert back is not None and back.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    # The same UTC hour a week earlier (CET) is 09:00 local: on duty.
    assert duty.on_duty(datetime(2026, 3, 23, 8, 0, tzinfo=UTC), zone)
    # After the change 07:30 UTC is 09:30 CEST: on duty; 06:30 UTC is 08:30 CEST: on duty too.
    assert duty.on_duty(datetime(2026, 3, 30, 6, 30, tzinfo=UTC), zone)
    assert not duty.on_duty(datetime(2026, 3, 30, 5, 30, tzinfo=UTC), zone)


def test_holidays_are_off_duty() -> None:
    network = parse_network(NETWORK)
    duty = network.desk("east").duty
    assert duty is not None
    kings_day = datetime(2026, 4, 27, 10, 0, tzinfo=UTC)  # a Monday, listed as a holiday
    assert not duty.on_duty(kings_day, network.zone)
    back = duty.next_start(kings_day, network.zone)
    assert back is not None and back.date().isoformat() == "2026-04-28"


def test_bad_duty_hours_are_refused_with_the_field() -> None:
    text = NETWORK.replace('mon = ["08:00-17:00"]', 'mon = ["17:00-08:00"]', 1)
    with pytest.raises(NetworkError, match=r"desks\.0\.duty\.weekly: .*must start before it ends"):
        parse_network(text)


def test_example_file_routes_and_has_no_warnings() -> None:
    from bot.network.schema import load_network

    network = load_network(Path(ROOT / "network.example.toml"))
    assert analyse(network).warnings == []


def test_no_filter_or_handler_runs_in_a_worker_thread(tg: Harness) -> None:
    """aiogram runs plain callables (F.… filters included) via asyncio.to_thread; every
    filter and handler here is async, so routing an update never leaves the event loop."""
    sync = []
    for router in tg.dp.chain_tail:
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                for item in [handler, *(handler.filters or [])]:
                    if not item.awaitable:
                        sync.append(f"{router.name}.{name}: {item.callback!r}")
            for item in observer._handler.filters or []:
                if not item.awaitable:
                    sync.append(f"{router.name}.{name} (router filter): {item.callback!r}")
    assert sync == []


def test_check_config_notes_a_desk_with_several_supergroups() -> None:
    text = NETWORK.replace(
        "chat_id = -1001000000001", "chat_id = -1001000000001\nchat_ids = [-1001000000011]"
    )
    network = parse_network(text)

    assert network.desk("central").groups == (-1001000000001, -1001000000011)
    assert network.desk_for_chat(-1001000000011) == network.desk("central")
    assert -1001000000011 in network.staff_chat_ids
    [note] = analyse(network).notes
    assert "'central': 2 supergroups" in note and "about 40 bot messages a minute" in note
