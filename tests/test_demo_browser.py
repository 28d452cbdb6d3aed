"""`python -m demo` in a real browser: Debian's Chromium, driven by Playwright, walks the guided
tour through the page (resident, desk and coordinators' panes) while Beatline answers for real.

Beatline answers asynchronously, so every step waits for what it expects to see (with a
timeout) and finds buttons by their visible labels; nothing here sleeps for a fixed time.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("DEMO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_BROWSER = (
    f"!!! NO CHROMIUM AT {CHROMIUM}: the browser test of the demo was SKIPPED. "
    "Install Debian's package (apt-get install -y chromium) to run it. !!!"
)
if not CHROMIUM.exists():
    pytest.skip(NO_BROWSER, allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="!!! playwright is not installed")

from playwright.sync_api import Locator, Page, expect  # noqa: E402

REFERENCE = re.compile(r"\b[A-Z0-9]{1,6}-\d{2}-\d{3,}\b")
BOT_ANSWER = 30_000  # ms: Beatline paces private chats at one message a second
ALERT_ARRIVES = 60_000  # ms: the alert sender wakes every 15 seconds
OFFICER_TEXT = "We are sending a patrol to your street tonight."
ALERT_TEXT = "Burglary wave in the Old Town: lock your windows tonight."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`python -m demo` on a free port with its data in a temporary folder; Ctrl-C at the end."""
    data = tmp_path / "demo-data"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "demo", "--port", str(port), "--data", str(data)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    assert f"http://127.0.0.1:{port}/" in first_line, first_line + process.stdout.read()
    try:
        yield f"http://127.0.0.1:{port}/", data
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    # Ctrl-C keeps what the visitor did: the database and the chats stay until demo-reset.
    assert (data / "beatline.db").exists() and (data / "emulator.json").exists()


def buttons(pane: Locator, label: str | re.Pattern[str]) -> Locator:
    """Inline and reply-keyboard buttons in a pane with this visible label."""
    return pane.locator(".inline-keyboard button, .reply-keyboard button").filter(has_text=label)


def press(pane: Locator, label: str | re.Pattern[str], wait_for_answer: bool = False) -> None:
    """Press the newest button with this label, once it has appeared; maybe wait for the bot's
    next message."""
    button = buttons(pane, label).last
    expect(button).to_be_enabled(timeout=BOT_ANSWER)
    before = bot_messages(pane).count()
    button.click()
    if wait_for_answer:
        expect(bot_messages(pane)).not_to_have_count(before, timeout=BOT_ANSWER)


def press_in_any_order(pane: Locator, labels: list[re.Pattern[str]]) -> None:
    """Answer a wizard whose steps may come in another order: press each label once, as it
    appears."""
    pending = list(labels)
    while pending:
        anything = functools.reduce(Locator.or_, [buttons(pane, label) for label in pending])
        expect(anything.first).to_be_visible(timeout=BOT_ANSWER)
        for label in pending:
            if buttons(pane, label).count():
                buttons(pane, label).last.click()
                pending.remove(label)
                break


def bot_messages(pane: Locator) -> Locator:
    return pane.locator(".messages .msg:not(.own)")


def say(pane: Locator, text: str, wait_for_answer: bool = True) -> None:
    """Type into the pane's composer and press Enter; by default wait for the bot's answer."""
    before = bot_messages(pane).count()
    field = pane.locator(".composer input.text")
    field.fill(text)
    field.press("Enter")
    expect(pane.locator(".msg.own").filter(has_text=text).last).to_be_visible()
    if wait_for_answer:
        expect(bot_messages(pane)).not_to_have_count(before, timeout=BOT_ANSWER)


def tour_step(page: Page, key: str) -> Locator:
    return page.locator(f'#tour-list li[data-step="{key}"]')


def test_the_guided_tour_in_a_real_browser(
    demo: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, _ = demo
    shots = tmp_path_factory.mktemp("demo-screenshots")
    problems: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        # No CDN, fonts or map tiles: the page asks only the demo itself.
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((url, "data:"))
                else problems.append(f"outside request: {r.url}")
            ),
        )
        try:
            walk_the_tour(page, url, shots)
        finally:
            page.screenshot(path=shots / "page.png")
            browser.close()
    print(f"screenshots of the demo: {shots}")  # noqa: T201 - where to look after a run
    assert problems == [], problems


def walk_the_tour(page: Page, url: str, shots: Path) -> None:
    resident = page.locator("#pane-resident")
    desk = page.locator("#pane-desk")
    coordinators = page.locator("#pane-coordinators")
    page.goto(url)
    expect(page.locator("#tour-list li")).to_have_count(4)

    # A resident meets the bot and reports a burglary anonymously, with a photo.
    say(resident, "/start")
    press(resident, "English")
    press(resident, re.compile("agree"))
    press(resident, re.compile("Report"))
    press_in_any_order(
        resident,
        [re.compile("Burglary"), re.compile("Skip"), re.compile("Old Town"), re.compile("Anonym")],
    )
    expect(buttons(resident, re.compile("Send report"))).to_be_visible(timeout=BOT_ANSWER)
    resident.get_by_role("button", name="Attach a picture or a location").click()
    resident.get_by_role("button", name="Broken window").click()
    resident.get_by_role("button", name="Send photo").click()
    say(resident, "Someone forced my back door around 3 am.", wait_for_answer=False)
    # Beatline marks each description message it has taken (a reaction) before it is sent.
    expect(resident.locator(".msg.own .reactions")).to_have_count(2, timeout=BOT_ANSWER)
    press(resident, re.compile("Send report"))
    # The wizard then shows the report's summary, sent only with the button under it.
    summary_send = resident.locator(".inline-keyboard button").filter(
        has_text=re.compile("Send report")
    )
    expect(summary_send.last).to_be_enabled(timeout=BOT_ANSWER)
    summary_send.last.click()
    receipt = bot_messages(resident).filter(has_text=REFERENCE).last
    expect(receipt).to_be_visible(timeout=BOT_ANSWER)
    match = REFERENCE.search(receipt.inner_text())
    assert match is not None
    reference = match.group(0)

    # The case's topic appears in the desk's pane, with the photo; the tour ticks step 1.
    topic = desk.locator("#desk-topics button").filter(has_text=reference)
    expect(topic).to_be_visible(timeout=BOT_ANSWER)
    topic.click()
    expect(desk.locator(".messages img.photo")).to_be_visible(timeout=BOT_ANSWER)
    expect(tour_step(page, "report")).to_have_attribute("data-done", "true", timeout=BOT_ANSWER)

    # An officer answers in the topic; the resident gets it from the bot.
    say(desk, OFFICER_TEXT, wait_for_answer=False)
    expect(resident.locator(".msg").filter(has_text=OFFICER_TEXT)).to_be_visible(
        timeout=BOT_ANSWER
    )
    expect(tour_step(page, "answer")).to_have_attribute("data-done", "true", timeout=BOT_ANSWER)

    # The officer refers the case; the resident agrees; the partner's group gets a topic.
    say(desk, "/refer housing", wait_for_answer=False)
    press(resident, re.compile("Yes"))
    expect(tour_step(page, "refer")).to_have_attribute("data-done", "true", timeout=BOT_ANSWER)
    resident.screenshot(path=shots / "resident.png")
    desk.screenshot(path=shots / "desk.png")
    partner = desk.locator("#desk-select option").filter(has_text="Housing")
    desk.locator("#desk-select").select_option(value=partner.get_attribute("value"))
    expect(desk.locator("#desk-topics button").filter(has_text=reference)).to_be_visible()

    # The resident follows the Old Town; a coordinator sends an alert there.
    press(resident, re.compile("Alerts"))
    press(resident, re.compile("Old Town"))
    expect(buttons(resident, re.compile("🔔 Old Town"))).to_be_visible(timeout=BOT_ANSWER)
    say(coordinators, "/announce")
    press(coordinators, re.compile("Old Town"))
    # Wait for the topics question: until it is there, the only "All" is the areas' own.
    press(coordinators, re.compile("Next"), wait_for_answer=True)
    press(coordinators, re.compile("All"))
    press(coordinators, re.compile("Normal"), wait_for_answer=True)
    say(coordinators, f"en: {ALERT_TEXT}")
    say(coordinators, "/done")
    say(coordinators, "/skip")
    say(coordinators, "now")
    press(coordinators, re.compile("Schedule"))
    alert = resident.locator(".msg").filter(has_text=ALERT_TEXT).last
    expect(alert).to_be_visible(timeout=ALERT_ARRIVES)
    expect(alert.locator(".inline-keyboard button")).not_to_have_count(0)
    expect(tour_step(page, "alert")).to_have_attribute("data-done", "true", timeout=BOT_ANSWER)
    coordinators.screenshot(path=shots / "coordinators.png")
    resident.screenshot(path=shots / "resident-alert.png")

    # An Arabic-speaking resident's chat is laid out right to left.
    arabic = resident.locator("#resident-select option").filter(has_text="العربية")
    resident.locator("#resident-select").select_option(value=arabic.get_attribute("value"))
    expect(resident.locator("#resident-messages")).to_have_attribute("dir", "rtl")
