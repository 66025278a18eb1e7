"""`seldenrijk chatwoot setup`: contact attribute definitions and labels, created once (idempotent)."""

from __future__ import annotations

from agents.privacy import PRIVACY_ATTRIBUTE_DEFINITIONS, PRIVACY_LABELS
from agents.scoring import ALL_LABELS, CONTACT_ATTRIBUTE_DEFINITIONS
from config import Settings
from integrations.chatwoot import ChatwootClient


async def run_setup(settings: Settings) -> dict:
    if not (settings.chatwoot_base_url and settings.chatwoot_api_token):
        raise SystemExit("Set CHATWOOT_BASE_URL and CHATWOOT_API_TOKEN (an admin's user token) first.")
    client = ChatwootClient(
        settings.chatwoot_base_url,
        settings.chatwoot_api_token.get_secret_value(),
        settings.chatwoot_account_id,
        settings.chatwoot_inbox_id,
    )
    try:
        return await client.setup_account(CONTACT_ATTRIBUTE_DEFINITIONS + PRIVACY_ATTRIBUTE_DEFINITIONS,
                                          ALL_LABELS + PRIVACY_LABELS)
    finally:
        await client.aclose()
