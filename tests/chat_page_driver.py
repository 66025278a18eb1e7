"""Drive the chat page (starter/static/chat.html) in Debian's headless Chromium via Selenium.

    with ChatPageDriver() as page:
        page.open("http://127.0.0.1:8000/")
        page.send("Hebben jullie een Golf diesel?")
        reply = page.wait_for_bot_reply(1, timeout=30)
        assert page.lead_score() is not None

`scripts/ensure-chromium.sh` installs chromium and chromium-driver when they are missing.
The driver path is given explicitly, so Selenium Manager never goes online.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


class ChatPageDriver:
    """One fresh browser profile per instance: a new test phone number every time."""

    def __init__(self, width: int = 1280, height: int = 900, page_load_timeout: float = 30.0) -> None:
        if not chromium_available():
            raise RuntimeError("chromium or chromedriver missing: run scripts/ensure-chromium.sh")
        self._profile = tempfile.mkdtemp(prefix="chat-page-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile}")
        options.add_argument(f"--window-size={width},{height}")
        try:
            self.browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        except Exception:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise
        self.browser.set_page_load_timeout(page_load_timeout)

    # --- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> "ChatPageDriver":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.quit()

    def quit(self) -> None:
        try:
            self.browser.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    # --- actions --------------------------------------------------------------------
    def open(self, url: str, timeout: float = 15.0) -> None:
        """Load the page and wait until it has chosen its test phone number."""
        self.browser.get(url)
        self._wait(timeout, "the chat page did not start").until(
            lambda browser: browser.find_element(By.ID, "phone-number").text.startswith("+31")
        )

    def send(self, text: str, timeout: float = 10.0) -> None:
        """Type `text` as the customer and press send; returns once the bubble shows."""
        before = len(self.bubbles("customer"))
        field = self.browser.find_element(By.ID, "message-input")
        field.clear()
        field.send_keys(text)
        self.browser.find_element(By.ID, "send-button").click()
        self._wait(timeout, f"message {text!r} never appeared").until(
            lambda _: len(self.bubbles("customer")) > before
        )

    def new_conversation(self) -> str:
        """Press "nieuw gesprek": a new test number and an empty chat. Returns the number."""
        old = self.phone()
        self.browser.find_element(By.ID, "new-conversation").click()
        self._wait(5, "no new phone number").until(lambda _: self.phone() != old)
        return self.phone()

    # --- reading --------------------------------------------------------------------
    def wait_for_bot_reply(self, n: int = 1, timeout: float = 30.0) -> str:
        """Wait until at least `n` bot bubbles are shown; return the text of the n-th."""
        def nth_reply(_: object) -> str | None:
            replies = self.bubbles("bot")
            return replies[n - 1] if len(replies) >= n else None

        return self._wait(timeout, f"fewer than {n} bot replies after {timeout}s").until(nth_reply)

    def bubbles(self, role: str | None = None) -> list[str]:
        """Texts of the chat bubbles, oldest first; role: customer, bot or staff."""
        selector = f"#messages .bubble.{role}" if role else "#messages .bubble"
        return self._texts(self.browser.find_elements(By.CSS_SELECTOR, f"{selector} .text"))

    def lead_score(self) -> int | None:
        text = self.browser.find_element(By.ID, "lead-score").text.strip()
        return int(text) if text.isdigit() else None

    def lead_quality(self) -> str | None:
        text = self.browser.find_element(By.ID, "lead-quality").text.strip()
        return text if text in ("HOT", "WARM", "LUKEWARM", "COLD") else None

    def lead_explanation(self) -> str:
        """The one-line reason for the last score change under the score ("" while hidden)."""
        element = self.browser.find_element(By.ID, "lead-why")
        return element.text.strip() if element.is_displayed() else ""

    def lead_tags(self) -> list[str]:
        return self._texts(self.browser.find_elements(By.CSS_SELECTOR, "#lead-tags .chip"))

    def trade_in(self) -> str | None:
        """The lead card's trade-in line ("Opel Astra 2015, 140.000 km, 1-XJR-34"), None when hidden."""
        box = self.browser.find_element(By.ID, "lead-trade-in")
        if not box.is_displayed():
            return None
        return f'{box.find_element(By.ID, "trade-in-vehicle").text} | {box.find_element(By.ID, "trade-in-detail").text}'

    def wait_for_trade_in(self, contains: str, timeout: float = 30.0) -> str:
        self._wait(timeout, f"no trade-in with {contains!r} on the lead card").until(
            lambda _: contains in (self.trade_in() or ""))
        return self.trade_in()  # type: ignore[return-value]

    def dialogue(self) -> dict[str, str]:
        """The lead card's dialogue state ("Auto in gesprek" -> "Volkswagen Golf ..."), empty when hidden."""
        box = self.browser.find_element(By.ID, "lead-dialogue")
        if not box.is_displayed():
            return {}
        try:  # textContent: the labels are shown in capitals by CSS
            labels = [e.get_attribute("textContent") for e in box.find_elements(By.TAG_NAME, "dt")]
            values = [e.get_attribute("textContent") for e in box.find_elements(By.TAG_NAME, "dd")]
        except StaleElementReferenceException:  # the page re-rendered meanwhile
            return {}
        return dict(zip(labels, values))

    def wait_for_dialogue(self, label: str, contains: str, timeout: float = 30.0) -> dict[str, str]:
        self._wait(timeout, f"no {label!r} with {contains!r} on the lead card").until(
            lambda _: contains in self.dialogue().get(label, ""))
        return self.dialogue()

    def escalation_state(self) -> str:
        return self.browser.find_element(By.ID, "escalation-state").text.strip()

    def wait_for_lead_score(self, timeout: float = 30.0) -> int:
        self._wait(timeout, "no lead score shown").until(lambda _: self.lead_score() is not None)
        return self.lead_score()  # type: ignore[return-value]

    def phone(self) -> str:
        return self.browser.find_element(By.ID, "phone-number").text.strip()

    def phone_digits(self) -> str:
        return "".join(ch for ch in self.phone() if ch.isdigit())

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        self.browser.save_screenshot(str(path))
        return path

    # --- helpers --------------------------------------------------------------------
    def _wait(self, timeout: float, message: str) -> "_MessageWait":
        return _MessageWait(self.browser, timeout, message)

    @staticmethod
    def _texts(elements: list[WebElement]) -> list[str]:
        texts = []
        for element in elements:
            try:
                texts.append(element.text)
            except StaleElementReferenceException:  # the page re-rendered meanwhile
                return []
        return texts


class _MessageWait(WebDriverWait):
    """WebDriverWait whose timeout names what we waited for, and tolerates re-renders."""

    def __init__(self, browser: webdriver.Chrome, timeout: float, message: str) -> None:
        super().__init__(browser, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
        self._message = message

    def until(self, method, message: str = ""):  # type: ignore[override]
        return super().until(method, message or self._message)
