"""`seldenrijk chatwoot setup`: contact attribute definitions and labels, created once (idempotent)."""

from __future__ import annotations

from agents.privacy import PRIVACY_ATTRIBUTE_DEFINITIONS, PRIVACY_LABELS
from agents.scoring import ALL_LABELS, CONTACT_ATTRIBUTE_DEFINITIONS
from config import Settings
from integrations.chatwoot import ChatwootClient
from integrations.chatwoot_webhook import CONFIRM_LABEL

TESTDRIVE_LABELS = (CONFIRM_LABEL,)  # staff confirm a held test drive with it
# Every label once (the lead tags and the privacy labels both know "opted-out").
SETUP_LABELS = tuple(dict.fromkeys(ALL_LABELS + PRIVACY_LABELS + TESTDRIVE_LABELS))


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
                                          SETUP_LABELS)
    finally:
        await client.aclose()
