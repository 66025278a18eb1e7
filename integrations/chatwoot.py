"""Chatwoot Application API client (async httpx), per INTEGRATIONS.md section 2.

Needs a USER access token (agent or admin): an agent-bot token cannot search or create
contacts nor add labels. `{conversation_id}` is always the per-account display id.

Our bot's messages are posted with `content_attributes.seldenrijk_bot = true` (and the
workflow's message id as `echo_id`), so their webhook echo can be told apart from a staff
reply even though they are sent with a user token (see integrations.chatwoot_webhook).

Tags become labels through `agents.scoring.label_for_tag` ('interest:ready-to-buy' ->
'interest-ready-to-buy', 'budget:40k+' -> 'budget-40k-plus').
"""

from __future__ import annotations

import logging
import time
from typing import Any, Iterable, Literal

import httpx
from pydantic import BaseModel

from agents.privacy import OPTED_OUT_LABEL
from agents.scoring import is_exclusive_label, label_for_tag
from integrations.errors import IntegrationError, call

log = logging.getLogger(__name__)

BOT_MARKER = "seldenrijk_bot"  # content_attributes key on every message we post
REUSABLE_STATUSES = {"open", "pending", "snoozed"}
DISPLAY_TYPES = {"text": 0, "number": 1, "currency": 2, "percent": 3, "link": 4, "date": 5, "list": 6, "checkbox": 7}
CONTACT_MODEL = 1
CONVERSATION_CACHE_SECONDS = 600  # staff may resolve a chat; re-check now and then
AGENTS_CACHE_SECONDS = 300  # the agent list (assignee by e-mail) changes rarely
ConversationStatus = Literal["open", "resolved", "pending", "snoozed"]


class ChatwootRef(BaseModel):
    contact_id: int
    conversation_id: int  # display id


def phone_key(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


class ChatwootClient:
    def __init__(self, base_url: str, api_token: str, account_id: int, inbox_id: int, timeout: float = 10.0):
        self.account_id = account_id
        self.inbox_id = inbox_id
        self._root = base_url.rstrip("/")
        self._own_user_id: int | None = None
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}",
            headers={"api_access_token": api_token, "User-Agent": "seldenrijk-agent"},
            timeout=timeout,
        )
        self._contacts: dict[str, int] = {}  # phone digits -> contact id
        self._source_ids: dict[int, str] = {}  # contact id -> contact_inbox source_id in our inbox
        self._conversations: dict[str, tuple[ChatwootRef, float]] = {}
        self._agents: tuple[dict[str, int], float] | None = None  # e-mail -> agent id, fetched at

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- plumbing -----------------------------------------------------------------
    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await call(self._http, "Chatwoot", method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise IntegrationError(f"Chatwoot {method} {path} sent no JSON", retryable=True) from exc

    # --- contacts and conversations --------------------------------------------------
    async def ensure_contact(self, phone_e164: str, name: str | None) -> int:
        key = phone_key(phone_e164)
        if key in self._contacts:
            return self._contacts[key]
        contact = await self._find_contact(phone_e164)
        if contact is None:
            body = {"inbox_id": self.inbox_id, "name": name or phone_e164, "phone_number": phone_e164}
            try:
                created = await self._request("POST", "/contacts", json=body)
            except IntegrationError as exc:
                if exc.status_code != 422:
                    raise
                # Usually a duplicate phone number (created meanwhile): search again.
                contact = await self._find_contact(phone_e164)
                if contact is None:
                    raise IntegrationError(f"Chatwoot refused contact {phone_e164}: {exc}", retryable=False,
                                           status_code=422) from exc
            else:
                payload = created.get("payload", created)
                contact = payload.get("contact", payload)
                source_id = (payload.get("contact_inbox") or {}).get("source_id")
                if source_id:
                    self._source_ids[int(contact["id"])] = source_id
        contact_id = int(contact["id"])
        self._remember_source_id(contact_id, contact.get("contact_inboxes") or [])
        self._contacts[key] = contact_id
        return contact_id

    async def _find_contact(self, phone_e164: str) -> dict | None:
        # httpx encodes '+' in params as %2B; a literal '+' would be read as a space.
        data = await self._request("GET", "/contacts/search", params={"q": phone_e164, "page": 1})
        wanted = phone_key(phone_e164)
        for contact in data.get("payload") or []:
            if phone_key(contact.get("phone_number")) == wanted:
                return contact
        return None

    def _remember_source_id(self, contact_id: int, contact_inboxes: Iterable[dict]) -> None:
        for contact_inbox in contact_inboxes:
            inbox = contact_inbox.get("inbox") or {}
            inbox_id = inbox.get("id", contact_inbox.get("inbox_id"))
            if inbox_id == self.inbox_id and contact_inbox.get("source_id"):
                self._source_ids[contact_id] = contact_inbox["source_id"]

    async def ensure_conversation(self, phone_e164: str, name: str | None) -> ChatwootRef:
        key = phone_key(phone_e164)
        cached = self._conversations.get(key)
        if cached and time.monotonic() - cached[1] < CONVERSATION_CACHE_SECONDS:
            return cached[0]
        contact_id = await self.ensure_contact(phone_e164, name)
        data = await self._request("GET", f"/contacts/{contact_id}/conversations")
        conversation_id = None
        for conversation in data.get("payload") or []:  # newest activity first
            if conversation.get("inbox_id") == self.inbox_id and conversation.get("status") in REUSABLE_STATUSES:
                conversation_id = int(conversation["id"])
                break
        if conversation_id is None:
            source_id = await self._source_id(contact_id)
            body = {"source_id": source_id, "inbox_id": self.inbox_id, "contact_id": contact_id}
            created = await self._request("POST", "/conversations", json=body)
            conversation_id = int(created["id"])
        ref = ChatwootRef(contact_id=contact_id, conversation_id=conversation_id)
        self._conversations[key] = (ref, time.monotonic())
        return ref

    async def _source_id(self, contact_id: int) -> str:
        if contact_id not in self._source_ids:
            created = await self._request(
                "POST", f"/contacts/{contact_id}/contact_inboxes", json={"inbox_id": self.inbox_id}
            )
            self._source_ids[contact_id] = str(created["source_id"])
        return self._source_ids[contact_id]

    def remember_conversation(self, phone_e164: str, ref: ChatwootRef) -> None:
        """A conversation found elsewhere (the local CRM's link): use it, do not look again."""
        self._contacts[phone_key(phone_e164)] = ref.contact_id
        self._conversations[phone_key(phone_e164)] = (ref, time.monotonic())

    def forget_conversation(self, phone_e164: str) -> None:
        """Drop the cached conversation (e.g. after it was resolved)."""
        self._conversations.pop(phone_key(phone_e164), None)

    # --- messages, labels, attributes --------------------------------------------------
    async def post_message(
        self,
        conversation_id: int,
        content: str,
        *,
        incoming: bool,
        private: bool = False,
        echo_id: str | None = None,
    ) -> int:
        body: dict[str, Any] = {
            "content": content,
            "message_type": "incoming" if incoming else "outgoing",
            "private": private,
        }
        if not incoming:
            body["content_attributes"] = {BOT_MARKER: True, **({"echo_id": echo_id} if echo_id else {})}
        if echo_id:
            body["echo_id"] = echo_id
        created = await self._request("POST", f"/conversations/{conversation_id}/messages", json=body)
        return int(created["id"])

    async def post_with_attachments(
        self,
        conversation_id: int,
        content: str,
        files: list[tuple[str, bytes, str]],
        *,
        incoming: bool,
        private: bool = False,
    ) -> int:
        """A message with files: multipart/form-data, `attachments[]` per file (Chatwoot's upload form)."""
        data = {
            "content": content,
            "message_type": "incoming" if incoming else "outgoing",
            "private": "true" if private else "false",
        }
        upload = [("attachments[]", (name, blob, mimetype)) for name, blob, mimetype in files]
        created = await self._request("POST", f"/conversations/{conversation_id}/messages", data=data, files=upload)
        return int(created["id"])

    async def get_labels(self, conversation_id: int) -> list[str]:
        data = await self._request("GET", f"/conversations/{conversation_id}/labels")
        return list(data.get("payload") or [])

    async def add_labels(self, conversation_id: int, labels: list[str]) -> list[str]:
        """Merge labels (tags are mapped to labels). POST replaces the list, so send the union."""
        return await self.sync_labels(conversation_id, labels, replace_exclusive=False)

    async def sync_labels(self, conversation_id: int, tags: list[str], *, replace_exclusive: bool = True) -> list[str]:
        """Set our tags as labels, keeping staff's own labels.

        With `replace_exclusive`, a label of a single-valued family (urgency-, stage-, ...) that
        is no longer among our tags is dropped, so 'urgency-low' does not linger next to 'urgency-high'.
        """
        wanted = [label_for_tag(tag) for tag in tags]
        current = await self.get_labels(conversation_id)
        kept = [
            label for label in current
            if label in wanted or not (replace_exclusive and is_exclusive_label(label))
        ]
        union = list(dict.fromkeys(kept + wanted))
        if sorted(union) == sorted(current):
            return current
        data = await self._request("POST", f"/conversations/{conversation_id}/labels", json={"labels": union})
        return list(data.get("payload") or union)

    async def update_contact_attributes(self, contact_id: int, attributes: dict[str, Any]) -> None:
        """Chatwoot merges custom_attributes into the stored hash."""
        await self._request("PUT", f"/contacts/{contact_id}", json={"custom_attributes": attributes})

    async def add_contact_labels(self, contact_id: int, labels: list[str]) -> list[str]:
        """Merge labels on the contact (POST replaces the list, so send the union)."""
        data = await self._request("GET", f"/contacts/{contact_id}/labels")
        current = list(data.get("payload") or [])
        union = list(dict.fromkeys(current + labels))
        if union == current:
            return current
        data = await self._request("POST", f"/contacts/{contact_id}/labels", json={"labels": union})
        return list(data.get("payload") or union)

    async def mark_opted_out(self, phone_e164: str, name: str | None) -> int:
        """STOP: contact attribute `opted_out` and label `opted-out` (issue 13 §3)."""
        contact_id = await self.ensure_contact(phone_e164, name)
        await self.update_contact_attributes(contact_id, {"opted_out": True})
        await self.add_contact_labels(contact_id, [OPTED_OUT_LABEL])
        return contact_id

    async def merge_lid_contact(self, lid_phone: str, phone_e164: str) -> str:
        """An @lid sender's contact joins the phone number's (issue 17): renumbered when it is the
        only one, else merged into the phone's contact (POST /actions/contact_merge). Idempotent."""
        lid_contact = await self._find_contact(lid_phone)
        if lid_contact is None:
            return "no lid contact"
        phone_contact = await self._find_contact(phone_e164)
        attributes = {**(lid_contact.get("custom_attributes") or {}), "whatsapp_lid": lid_phone.lstrip("+") + "@lid"}
        if phone_contact is None:
            await self._request("PUT", f"/contacts/{lid_contact['id']}",
                                json={"phone_number": phone_e164, "custom_attributes": attributes})
            result = "renumbered"
        else:
            await self._request("POST", "/actions/contact_merge", json={
                "base_contact_id": int(phone_contact["id"]), "mergee_contact_id": int(lid_contact["id"]),
            })
            result = "merged"
        for key in (phone_key(lid_phone), phone_key(phone_e164)):  # cached ids may name the old contact
            self._contacts.pop(key, None)
            self._conversations.pop(key, None)
        return result

    async def find_contact(self, phone_e164: str) -> dict | None:
        """The contact with exactly this phone number, or None."""
        return await self._find_contact(phone_e164)

    async def contact_conversations(self, contact_id: int) -> list[dict]:
        data = await self._request("GET", f"/contacts/{contact_id}/conversations")
        return list(data.get("payload") or [])

    async def delete_contact(self, contact_id: int) -> bool:
        """DELETE the contact (Chatwoot deletes its conversations and messages with it); False if gone already."""
        try:
            await self._request("DELETE", f"/contacts/{contact_id}")
        except IntegrationError as exc:
            if exc.status_code == 404:
                return False
            raise
        self._contacts = {key: value for key, value in self._contacts.items() if value != contact_id}
        self._conversations = {key: value for key, value in self._conversations.items() if value[0].contact_id != contact_id}
        self._source_ids.pop(contact_id, None)
        return True

    async def assign(self, conversation_id: int, *, assignee_id: int | None = None, team_id: int | None = None) -> None:
        # With an assignee_id key present Chatwoot ignores team_id: two calls when both are set.
        if team_id is not None:
            await self._request("POST", f"/conversations/{conversation_id}/assignments", json={"team_id": team_id})
        if assignee_id is not None:
            await self._request(
                "POST", f"/conversations/{conversation_id}/assignments", json={"assignee_id": assignee_id}
            )

    async def own_user_id(self) -> int | None:
        """The Chatwoot user our API token acts as: its (automatic) assignments are not a person."""
        if self._own_user_id is None:
            data = await self._request("GET", f"{self._root}/api/v1/profile")
            self._own_user_id = int(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None
        return self._own_user_id

    async def agent_id_for_email(self, email: str) -> int | None:
        """The Chatwoot agent whose login e-mail this is (GET /agents, cached a few minutes)."""
        if self._agents is None or time.monotonic() - self._agents[1] > AGENTS_CACHE_SECONDS:
            data = await self._request("GET", "/agents")
            agents = data if isinstance(data, list) else data.get("payload") or []
            by_email = {
                str(agent["email"]).strip().lower(): int(agent["id"])
                for agent in agents
                if isinstance(agent, dict) and agent.get("email") and agent.get("id") is not None
            }
            self._agents = (by_email, time.monotonic())
        return self._agents[0].get(email.strip().lower())

    async def find_message_by_echo_id(self, conversation_id: int, echo_id: str) -> int | None:
        """Our message with this echo id among the conversation's latest messages, if it is there."""
        data = await self._request("GET", f"/conversations/{conversation_id}/messages")
        for message in data.get("payload") or []:
            attributes = message.get("content_attributes") or {}
            if attributes.get("echo_id") == echo_id or message.get("echo_id") == echo_id:
                return int(message["id"])
        return None

    async def toggle_status(self, conversation_id: int, status: ConversationStatus) -> str:
        data = await self._request("POST", f"/conversations/{conversation_id}/toggle_status", json={"status": status})
        return str((data.get("payload") or {}).get("current_status", status))

    # --- account setup -------------------------------------------------------------
    async def setup_account(
        self, attribute_definitions: Iterable[tuple[str, str, str, tuple[str, ...]]], labels: Iterable[str]
    ) -> dict[str, list[str]]:
        """Create missing contact attribute definitions and account labels; never touches existing ones."""
        existing = await self._request(
            "GET", "/custom_attribute_definitions", params={"attribute_model": CONTACT_MODEL}
        )
        existing_keys = {item.get("attribute_key") for item in existing or []}
        result: dict[str, list[str]] = {
            "attributes_created": [], "attributes_existing": [], "labels_created": [], "labels_existing": []
        }
        for key, display_name, display_type, values in attribute_definitions:
            if key in existing_keys:
                result["attributes_existing"].append(key)
                continue
            body: dict[str, Any] = {
                "attribute_key": key,
                "attribute_display_name": display_name,
                "attribute_display_type": DISPLAY_TYPES[display_type],
                "attribute_model": CONTACT_MODEL,
                "attribute_description": f"Ingevuld door de Seldenrijk WhatsApp-assistent ({key})",
            }
            if values:
                body["attribute_values"] = list(values)
            await self._request("POST", "/custom_attribute_definitions", json=body)
            result["attributes_created"].append(key)
        current = await self._request("GET", "/labels")
        existing_labels = {str(item.get("title", "")).lower() for item in current.get("payload") or []}
        for label in dict.fromkeys(labels):
            if label in existing_labels:
                result["labels_existing"].append(label)
                continue
            body = {"title": label, "description": "Seldenrijk assistent", "color": _label_color(label),
                    "show_on_sidebar": label.startswith(("lead-", "stage-"))}
            await self._request("POST", "/labels", json=body)
            result["labels_created"].append(label)
        return result


def _label_color(label: str) -> str:
    colors = {"lead-hot": "#e5484d", "lead-warm": "#f76b15", "lead-lukewarm": "#ffc53d", "lead-cold": "#0090ff",
              "escalated": "#e5484d", "complaint": "#e5484d", "vip": "#8e4ec6"}
    return colors.get(label, "#1f93ff")
