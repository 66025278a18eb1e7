"""Settings, read from the environment (and `.env`) with pydantic-settings.

Variable names follow the architecture document where it names them. Every
integration is optional: an unset URL means "write to the local outbox".
Dealer facts (address, opening hours, rates) live in `dealer.yaml`, not here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

PROJECT_ROOT = Path(__file__).resolve().parent

ESCALATION_TYPES = ("finance_advisor", "technical_specialist", "sales", "manager")
# The architecture document's env names use these short forms.
ESCALATION_ENV_SUFFIX = {
    "finance_advisor": "finance",
    "technical_specialist": "technical",
    "sales": "sales",
    "manager": "manager",
}


def reveal(secret: SecretStr | None) -> str | None:
    """The value of a secret setting, for the one place that sends it. Secrets are SecretStr so that
    they never show in a repr, a log line or model_dump()."""
    return secret.get_secret_value() if secret is not None else None


# US dollars per million tokens.
DEFAULT_PRICES = {
    "claude-haiku-5-5": {"input": 1.0, "output": 5.0, "cache_read": 0.10, "cache_write": 1.25},
    "claude-sonnet-5-5": {"input": 3.0, "output": 15.0, "cache_read": 0.30, "cache_write": 3.75},
}


class Settings(BaseSettings):
    # hide_input_in_errors: a mistyped DATABASE_URL or key must not print its secret in the start-up error.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False, hide_input_in_errors=True)

    # --- runtime -------------------------------------------------------------
    data_dir: Path = Path("var")
    environment: Literal["development", "production"] = "development"
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    dealer_config_file: Path = PROJECT_ROOT / "dealer.yaml"
    # The rules engine's trained second opinion, so a start loads it instead of retraining (unset: DATA_DIR/cache).
    model_cache_dir: Path | None = None

    # --- stores ----------------------------------------------------------------
    # postgresql://user:password@host:5432/db: every store (sent ledger, inventory snapshot, local CRM,
    # bookings, privacy audit) in PostgreSQL, shared by all hosts. Unset: SQLite files under DATA_DIR.
    database_url: SecretStr | None = None

    # --- Temporal ------------------------------------------------------------
    temporal_address: str | None = None  # unset: `seldenrijk run` starts a dev server
    temporal_namespace: str = "default"
    temporal_task_queue: str = "seldenrijk"
    worker_metrics_port: int | None = None  # Prometheus endpoint of the SDK's worker metrics
    app_metrics_port: int | None = None  # Prometheus endpoint of the worker's own app metrics
    # Temporal's workflow sandbox re-imports workflow code per run: a third of the worker's CPU
    # per message (bench/bench_throughput.py). CI runs the workflows in it either way.
    workflow_sandbox: bool = False
    # Chats whose state the worker keeps in memory between messages (bench/bench_memory.py);
    # an evicted chat is rebuilt from its history on its next message.
    worker_max_cached_workflows: int = 500  # docs/memory.md: what a cached conversation holds
    worker_memory_trim_seconds: float = Field(default=30.0, ge=0)  # malloc_trim(0) this often; 0: never

    # --- WAHA ----------------------------------------------------------------
    waha_url: str | None = None
    waha_api_key: SecretStr | None = None
    waha_session: str = "default"
    waha_webhook_hmac_key: SecretStr | None = None
    # WAHA retries a failed delivery for ~17 minutes (compose: exponential, 2 s, 10 attempts) with
    # the original event timestamp: the window must outlast that. Replays are harmless anyway,
    # the conversation dedupes by message id.
    waha_webhook_max_age_seconds: int = 3600
    webhook_max_age_seconds: int = 300  # Chatwoot: reject signed deliveries older than this
    # Issue 17: replies held while the session was down that are older than this when it works
    # again go out as a short "sorry voor de late reactie" version instead of the stale answer.
    stale_reply_minutes: float = 60
    # @lid senders: GET /api/{session}/lids/{lid} answers; an unresolved lid is asked again after this.
    lid_retry_minutes: float = 10
    lid_lookup_timeout_seconds: float = 2.0
    # The webhook's intake (integrations/intake_store.py): an API process holds the rows it delivers
    # for this long and renews; a crashed replica's rows go to another replica after it runs out.
    intake_lease_seconds: float = Field(default=30.0, gt=0)
    intake_concurrency: int = Field(default=16, ge=1)  # signal-with-starts in flight at once

    # --- follow-ups for quiet leads (issue 17) --------------------------------
    follow_up_enabled: bool = True
    follow_up_after_hours: float = 24  # quiet this long, counted in opening hours
    follow_up_max: int = 2  # per lead
    follow_up_second_after_days: float = 3  # the second one only this many days after the first
    # Each customer message is marked seen and "typing…" shows until the reply (best-effort calls).
    waha_typing: bool = True
    waha_presence_timeout_seconds: float = 1.0  # per seen/typing call; a slow WAHA costs the indicator only
    # Burst coalescing: messages of one chat arriving within COALESCE_SECONDS of each other, before
    # the bot started answering, get one reply; the window restarts per message, up to the maximum.
    coalesce_seconds: float = Field(default=2.0, ge=0, le=30)
    coalesce_max_seconds: float = Field(default=6.0, ge=0, le=60)
    # A conversation continues as new once it has been quiet this long after a customer turn, so a
    # cached conversation holds one short run (docs/memory.md). 0 turns it off.
    quiet_continue_seconds: float = Field(default=60.0, ge=0, le=86_400)

    # --- RDW open data, trade-ins and WhatsApp media ------------------------
    rdw_api_url: str = "https://opendata.rdw.nl"
    rdw_app_token: SecretStr | None = None  # optional Socrata X-App-Token (higher rate limit)
    rdw_timeout_seconds: float = 5.0
    rdw_cache_hours: float = 168.0  # a plate's data changes rarely; an unknown plate is kept 24 h
    trade_in_quiet_seconds: int = 1800  # sales get the summary after this long without trade-in news
    trade_in_photos_wanted: int = 4  # with plate and mileage: the intake is complete, summary now
    media_max_bytes: int = 16 * 1024 * 1024  # larger WhatsApp media are not downloaded from WAHA

    # --- Claude --------------------------------------------------------------
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    claude_fast_model: str = "claude-haiku-5-5"
    claude_reply_model: str = "claude-sonnet-5-5"
    claude_timeout_seconds: float = 20.0
    claude_prices: dict[str, dict[str, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    # --- Chatwoot ------------------------------------------------------------
    chatwoot_base_url: str | None = None  # how the worker reaches the API (may be a container name)
    chatwoot_public_url: str | None = None  # how staff open Chatwoot: links in alerts (default: base URL)
    chatwoot_api_token: SecretStr | None = None
    chatwoot_account_id: int = 1
    chatwoot_inbox_id: int = 1
    chatwoot_webhook_secret: SecretStr | None = None
    chatwoot_webhook_token: SecretStr | None = None  # URL token for Chatwoot < 4.12 (no signatures)
    human_quiet_period_minutes: float = 120  # bot stays silent this long after a staff reply

    # --- escalation ----------------------------------------------------------
    enable_escalation: bool = True
    escalation_whatsapp_finance: str | None = None
    escalation_whatsapp_technical: str | None = None
    escalation_whatsapp_sales: str | None = None
    escalation_whatsapp_manager: str | None = None
    escalation_email_finance: str = "finance@seldenrijk.nl"
    escalation_email_technical: str = "techniek@seldenrijk.nl"
    escalation_email_sales: str = "verkoop@seldenrijk.nl"
    escalation_email_manager: str = "manager@seldenrijk.nl"
    escalation_assignee_finance: int | None = None
    escalation_assignee_technical: int | None = None
    escalation_assignee_sales: int | None = None
    escalation_assignee_manager: int | None = None
    escalation_team_finance: int | None = None
    escalation_team_technical: int | None = None
    escalation_team_sales: int | None = None
    escalation_team_manager: int | None = None
    # The specialist's name as the customer hears it ("Fenna (financiering) heeft je vraag").
    escalation_name_finance: str | None = None
    escalation_name_technical: str | None = None
    escalation_name_sales: str | None = None
    escalation_name_manager: str | None = None
    # Without Chatwoot, customer messages during an escalation reach the specialist grouped per this window.
    escalation_forward_window_seconds: int = 120
    escalation_sla_minutes_critical: int = 5
    escalation_sla_minutes_high: int = 15
    escalation_sla_minutes_medium: int = 60
    escalation_sla_minutes_low: int = 240
    escalation_api_key: SecretStr | None = None  # protects POST /escalations/{id}/ack|resolve and /privacy/{id}/approve
    # Key of the phone hash in the privacy audit log (var/privacy/audit.jsonl); unset: a random key
    # is made once in var/privacy/audit.key. Keep it: with another key old audit lines match nobody.
    privacy_audit_key: SecretStr | None = None

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "notifications@seldenrijk.nl"
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = 15.0

    # --- inventory -----------------------------------------------------------
    enable_rag: bool = True
    enable_lead_scoring: bool = True
    rag_cache_duration_seconds: int = 600
    inventory_sources: Annotated[list[str], NoDecode] = ["website", "marktplaats"]
    inventory_website_url: str = "https://www.seldenrijk.nl/aanbod-occasions"
    marktplaats_base_url: str = "https://www.marktplaats.nl"
    marktplaats_seller_id: str = "10866554"
    scraper_user_agent: str = (
        "SeldenrijkVoorraadBot/1.0 (+https://www.seldenrijk.nl; voorraad-sync van de dealer zelf)"
    )
    scraper_delay_seconds: float = 1.0
    scraper_timeout_seconds: float = 20.0
    scraper_max_pages: int = 60
    # Detail pages (APK, owners, NAP, towing weight, options): read per car, cached by car id
    # and list-card fingerprint, so a sync only reads new or changed cars (and each car again
    # after scraper_detail_max_age_hours). At most scraper_detail_max_per_sync new reads per sync.
    scraper_detail_pages: bool = True
    scraper_detail_concurrency: int = 4
    scraper_detail_max_per_sync: int = 150
    scraper_detail_max_age_hours: float = 168.0
    inventory_rdw_lookup: bool = True  # weight, towing, APK, consumption by plate when the page lacks them

    # --- test drives ---------------------------------------------------------
    # Slots, lead time and how far ahead live in dealer.yaml (test_drive:); these are the wiring.
    testdrive_confirm_by_staff: bool = False  # True: a booking stays "held" until staff confirm it
    testdrive_email: str | None = None  # invites (.ics) go here; unset: ESCALATION_EMAIL_SALES
    calendar_feed_token: SecretStr | None = None  # GET /calendar/testdrives.ics?token=...; unset: no feed
    caldav_url: str | None = None  # a calendar collection URL; set: bookings are written there too
    caldav_username: str | None = None
    caldav_password: SecretStr | None = None

    # --- protection ----------------------------------------------------------
    # Hosts (and their subdomains) links in replies may point to; empty: the dealer's website
    # (dealer.yaml) and marktplaats.nl. Comma-separated in the environment.
    reply_link_hosts: Annotated[list[str], NoDecode] = []
    rate_limit_per_minute: int = 20
    max_message_chars: int = 2000
    public_base_url: str = "http://localhost:8000"
    # The chat page and /api/conversations read any chat: on by default in development only.
    enable_chat_page: bool | None = None

    @property
    def chat_page_enabled(self) -> bool:
        return self.enable_chat_page if self.enable_chat_page is not None else self.environment == "development"

    @field_validator("reply_link_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("inventory_sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_only(cls, value: object) -> object:
        """Empty means SQLite; anything else must be a PostgreSQL URL (a typo must not pass for SQLite)."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not str(raw).startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be postgresql://user:password@host:5432/database (or unset for SQLite)")
        return value

    # --- derived -------------------------------------------------------------
    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def model_cache_path(self) -> Path:
        return self.model_cache_dir or self.data_dir / "cache"

    def escalation_setting(self, kind: str, escalation_type: str) -> object:
        """E.g. escalation_setting("whatsapp", "finance_advisor") -> ESCALATION_WHATSAPP_FINANCE."""
        return getattr(self, f"escalation_{kind}_{ESCALATION_ENV_SUFFIX[escalation_type]}")

    @property
    def testdrive_sales_email(self) -> str:
        return self.testdrive_email or self.escalation_email_sales

    def sla_minutes(self, urgency: str) -> int:
        return int(getattr(self, f"escalation_sla_minutes_{urgency}"))

    def price_for(self, model: str) -> dict[str, float]:
        return self.claude_prices.get(model) or DEFAULT_PRICES["claude-sonnet-5-5"]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Re-read the environment (tests and the CLI's flags use this)."""
    get_settings.cache_clear()
    return get_settings()
