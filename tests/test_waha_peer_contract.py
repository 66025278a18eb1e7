import httpx

from integrations.waha import WahaClient
from tests.peers.waha import WahaPeer


async def test_send_text_matches_spec_and_carries_api_key(tmp_path):
    with WahaPeer(api_key="k1") as peer:
        client = WahaClient(peer.url, api_key="k1", session="default", outbox_dir=tmp_path)
        result = await client.send_text("31612345678@c.us", "Hallo!")
        await client.aclose()
    assert peer.violations == []
    assert peer.sent[0]["chatId"] == "31612345678@c.us" and peer.sent[0]["session"] == "default"
    assert result["id"].startswith("true_31612345678@c.us")


async def test_peer_rejects_body_missing_required_field():
    with WahaPeer(api_key=None) as peer:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{peer.url}/api/sendText", json={"chatId": "1@c.us", "session": "default"})
    assert response.status_code == 400 and peer.violations
