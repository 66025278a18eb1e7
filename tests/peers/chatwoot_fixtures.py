"""Pytest fixtures for the Chatwoot peer (import them into a test module)."""

from __future__ import annotations

import pytest

from config import Settings
from tests.peers.chatwoot_peer import ChatwootPeer


@pytest.fixture
def chatwoot_peer():
    with ChatwootPeer() as peer:
        yield peer


@pytest.fixture
def chatwoot_settings(chatwoot_peer, tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        chatwoot_base_url=chatwoot_peer.url,
        chatwoot_api_token=chatwoot_peer.api_token,
        chatwoot_account_id=chatwoot_peer.account_id,
        chatwoot_inbox_id=chatwoot_peer.inbox_id,
    )
