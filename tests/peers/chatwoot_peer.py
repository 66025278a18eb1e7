"""A local Chatwoot peer: the Application API endpoints we use, with in-memory state.

Every request is checked against chatwoot-swagger.json: the path and method must exist,
required query parameters must be present and JSON bodies must validate against the
operation's requestBody schema. Violations are recorded (tests assert there are none).
Semantics follow INTEGRATIONS.md section 2: contact search is a substring match on the
DECODED `q` (an unencoded '+' becomes a space and finds nothing), phone numbers are unique
(422), POST labels replaces the list, contact custom_attributes merge.
"""

from __future__ import annotations

import asyncio
import json
from email.policy import default as email_policy
from email.parser import BytesParser
import re
import threading
import uuid

import jsonschema
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from integrations.chatwoot_webhook import signature_for
from tests.peers.http_peer import ThreadedServer
from tests.peers.waha import _resolve
from tests.paths import SPECS

SPEC_PATH = SPECS / "chatwoot-swagger.json"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
LABEL = re.compile(r"^[a-z0-9_-]+$")
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1}


class _SpecOperation:
    def __init__(self, template: str, method: str, operation: dict, spec: dict):
        self.template = template
        self.method = method
        pattern = re.sub(r"\{[^/]+\}", r"(?P<\g<0>>[^/]+)", template)
        pattern = pattern.replace("(?P<{", "(?P<").replace("}>", ">")
        self.regex = re.compile(f"^{pattern}$")
        params = [_resolve(p, spec) for p in operation.get("parameters", [])]
        self.required_query = [p["name"] for p in params if p.get("in") == "query" and p.get("required")]
        body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
        self.body_schema = _resolve(body, spec) if body else None


class ChatwootPeer:
    def __init__(self, api_token: str = "test-chatwoot-token", account_id: int = 1, inbox_id: int = 7,
                 new_conversation_status: str = "open"):
        self.api_token = api_token
        self.account_id = account_id
        self.inbox_id = inbox_id
        self.new_conversation_status = new_conversation_status
        self.violations: list[str] = []
        self.requests: list[tuple[str, str, str]] = []  # method, path, raw query
        self.contacts: dict[int, dict] = {}
        self.conversations: dict[int, dict] = {}  # display id -> conversation
        self.messages: dict[int, dict] = {}
        self.attribute_definitions: dict[int, dict] = {}
        self.account_labels: dict[int, dict] = {}
        self.assignments: list[tuple[int, dict]] = []
        self.users = {1: {"id": 1, "name": "Bot API", "type": "user"}, 5: {"id": 5, "name": "Sanne", "type": "user"}}
        # The account's agents as GET /agents lists them (swagger: components.schemas.agent).
        self.agents: list[dict] = [
            {"id": 1, "account_id": account_id, "name": "Bot API", "available_name": "Bot API",
             "email": "bot@seldenrijk.nl", "role": "administrator", "confirmed": True,
             "availability_status": "available", "auto_offline": True, "thumbnail": "", "custom_role_id": None},
        ]
        self._ids: dict[str, int] = {}
        self._failures: list[list] = []  # [status, path part, requests to let pass first, count]
        self._hang_seconds = 0.0
        self._hang_only: tuple[str | None, str | None] = (None, None)
        self._down = False
        self._lock = threading.Lock()
        spec = json.loads(SPEC_PATH.read_text())
        self._operations = [
            _SpecOperation(template, method, operation, spec)
            for template, item in spec["paths"].items()
            for method, operation in item.items()
            if method in ("get", "post", "put", "patch", "delete")
        ]
        # Literal segments win over placeholders (/contacts/search before /contacts/{id}).
        self._operations.sort(key=lambda op: op.template.count("{"))
        app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])
        self.server = ThreadedServer(app)

    # --- control -------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> "ChatwootPeer":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    def fail_next(self, count: int, status: int = 500, path_contains: str | None = None, after: int = 0) -> None:
        """Requests whose path contains `path_contains` (all when None): let `after` pass, fail `count`."""
        with self._lock:
            self._failures.append([status, path_contains, after, count])

    def heal(self) -> None:
        """Drop every injected failure that has not fired yet."""
        with self._lock:
            self._failures.clear()

    def hang(self, seconds: float, *, method: str | None = None, path_suffix: str | None = None) -> None:
        """Answer requests only after `seconds` (0 switches it off); optionally only one
        method and path ending (e.g. POST /contacts: two creators both find nothing first)."""
        self._hang_seconds = seconds
        self._hang_only = (method, path_suffix)

    def set_down(self, down: bool) -> None:
        """Down: every request gets 503, as during a Chatwoot deploy."""
        self._down = down

    def _next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # --- helpers for tests ------------------------------------------------------------
    def conversation_messages(self, conversation_id: int) -> list[dict]:
        return [m for m in self.messages.values() if m["conversation_id"] == conversation_id]

    def add_contact(self, name: str, phone: str) -> dict:
        with self._lock:
            return self._create_contact({"name": name, "phone_number": phone, "inbox_id": self.inbox_id})

    def add_agent(self, agent_id: int, name: str, email: str) -> None:
        """A staff member with a Chatwoot login (an assignable agent)."""
        with self._lock:
            self.users[agent_id] = {"id": agent_id, "name": name, "type": "user"}
            self.agents.append({
                "id": agent_id, "account_id": self.account_id, "name": name, "available_name": name,
                "email": email, "role": "agent", "confirmed": True, "availability_status": "available",
                "auto_offline": True, "thumbnail": "", "custom_role_id": None,
            })

    def staff_reply(self, conversation_id: int, text: str, user_id: int = 5, private: bool = False) -> dict:
        """A human agent answers in the Chatwoot UI: returns the message_created webhook body."""
        with self._lock:
            message = self._create_message(
                conversation_id,
                {"content": text, "message_type": "outgoing", "private": private},
                sender=self.users[user_id],
            )
        return self.webhook_body(message["id"])

    def webhook_body(self, message_id: int) -> dict:
        """message_created as Chatwoot's Message#webhook_data builds it (INTEGRATIONS.md 3.2)."""
        message = self.messages[message_id]
        conversation = self.conversations[message["conversation_id"]]
        contact = self.contacts[conversation["contact_id"]]
        if message["message_type"] == 0:
            sender = {k: contact[k] for k in ("id", "name", "email", "phone_number", "identifier")}
        else:
            sender = {**message["sender"], "email": "agent@seldenrijk.nl"}
        return {
            "event": "message_created",
            "id": message["id"],
            "content": message["content"],
            "message_type": "incoming" if message["message_type"] == 0 else "outgoing",
            "content_type": "text",
            "content_attributes": message["content_attributes"],
            "additional_attributes": {},
            "private": message["private"],
            "created_at": "2026-05-04T10:00:00.000Z",
            "source_id": None,
            "sender": sender,
            "inbox": {"id": self.inbox_id, "name": "WhatsApp"},
            "account": {"id": self.account_id, "name": "Seldenrijk Auto"},
            "conversation": self._conversation_json(conversation),
        }

    def label_conversation(self, conversation_id: int, label: str) -> dict:
        """Staff add a label in the UI: returns the conversation_updated webhook body (INTEGRATIONS.md 3.3)."""
        with self._lock:
            conversation = self.conversations[conversation_id]
            previous = list(conversation["labels"])
            conversation["labels"] = list(dict.fromkeys(previous + [label]))
            body = self._conversation_json(conversation)
        return {"event": "conversation_updated", **body, "messages": [],
                "changed_attributes": [{"label_list": {"previous_value": previous, "current_value": body["labels"]}}]}

    def signed_headers(self, secret: str, raw_body: bytes, timestamp: int) -> dict[str, str]:
        return {
            "X-Chatwoot-Timestamp": str(timestamp),
            "X-Chatwoot-Signature": signature_for(secret, str(timestamp), raw_body),
            "X-Chatwoot-Delivery": str(uuid.uuid4()),
            "Content-Type": "application/json",
        }

    # --- request handling -------------------------------------------------------------
    async def _dispatch(self, request: Request):
        path = request.url.path
        method_only, suffix_only = self._hang_only
        if self._hang_seconds and (method_only in (None, request.method)) and (
            suffix_only is None or path.endswith(suffix_only)
        ):
            await asyncio.sleep(self._hang_seconds)
        if self._down:
            return JSONResponse({"error": "down"}, status_code=503)
        method = request.method.lower()
        raw = await request.body()
        with self._lock:
            self.requests.append((request.method, path, request.url.query))
            if request.headers.get("api_access_token") != self.api_token:
                self.violations.append(f"{request.method} {path}: missing or wrong api_access_token")
                return JSONResponse({"error": "Invalid Access Token"}, status_code=401)
            operation, params = self._match(method, path)
            if operation is None:
                self.violations.append(f"{request.method} {path}: not in chatwoot-swagger.json")
                return JSONResponse({"error": "not found"}, status_code=404)
            if "{account_id}" in operation.template and params.get("account_id") != str(self.account_id):
                self.violations.append(f"{request.method} {path}: wrong account id")
            body = self._check(operation, request, raw)
            if body is None:
                return JSONResponse({"message": "request does not match the spec"}, status_code=400)
            for rule in self._failures:
                status, path_part = rule[0], rule[1]
                if path_part is not None and path_part not in path:
                    continue
                if rule[2] > 0:
                    rule[2] -= 1
                    continue
                rule[3] -= 1
                if rule[3] == 0:
                    self._failures.remove(rule)
                return JSONResponse({"error": "injected failure"}, status_code=status)
            handler = getattr(self, "_" + re.sub(r"[^a-z]+", "_", f"{method} {operation.template}").strip("_"), None)
            if handler is None:
                self.violations.append(f"{request.method} {operation.template}: not implemented by the peer")
                return JSONResponse({"error": "not implemented"}, status_code=501)
            return handler(params, request.query_params, body)

    def _match(self, method: str, path: str) -> tuple[_SpecOperation | None, dict[str, str]]:
        for operation in self._operations:
            if operation.method == method:
                found = operation.regex.match(path)
                if found:
                    return operation, found.groupdict()
        return None, {}

    def _check(self, operation: _SpecOperation, request: Request, raw: bytes) -> dict | None:
        where = f"{operation.method.upper()} {operation.template}"
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            return self._check_multipart(operation, request, raw, where)
        for name in operation.required_query:
            if name not in request.query_params:
                self.violations.append(f"{where}: missing required query parameter {name}")
                return None
        if not raw:
            if operation.body_schema is not None and operation.method != "get":
                self.violations.append(f"{where}: missing JSON body")
                return None
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            self.violations.append(f"{where}: body is not JSON")
            return None
        if operation.body_schema is not None:
            try:
                jsonschema.validate(body, operation.body_schema)
            except jsonschema.ValidationError as exc:
                self.violations.append(f"{where}: {exc.message}")
                return None
        return body

    def _check_multipart(self, operation: _SpecOperation, request: Request, raw: bytes, where: str) -> dict | None:
        """Chatwoot's upload form: `attachments[]` files plus the message fields as form fields.

        Only message creation takes files. The fields must satisfy the operation's JSON schema
        (`private` as "true"/"false", as Rails reads it)."""
        if not operation.template.endswith("/messages") or operation.method != "post":
            self.violations.append(f"{where}: multipart body where Chatwoot takes none")
            return None
        parsed = BytesParser(policy=email_policy).parsebytes(
            b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + raw
        )
        fields: dict = {}
        files: list[dict] = []
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            if filename is not None:
                if name != "attachments[]":
                    self.violations.append(f"{where}: file field {name!r} (Chatwoot reads attachments[])")
                content = part.get_payload(decode=True) or b""
                files.append({"file_name": filename, "file_size": len(content), "content_type": part.get_content_type(),
                              "file_type": part.get_content_maintype(), "content": content})
            else:
                fields[name] = (part.get_payload(decode=True) or b"").decode("utf-8").strip()  # Rails reads UTF-8
        if "private" in fields:
            if fields["private"] not in ("true", "false"):
                self.violations.append(f"{where}: private={fields['private']!r}")
                return None
            fields["private"] = fields["private"] == "true"
        if not files:
            self.violations.append(f"{where}: multipart without attachments[]")
        try:
            jsonschema.validate(fields, operation.body_schema)
        except jsonschema.ValidationError as exc:
            self.violations.append(f"{where}: {exc.message}")
            return None
        return {**fields, "_attachments": files}

    # --- contacts ---------------------------------------------------------------------
    def _create_contact(self, body: dict) -> dict:
        phone = body.get("phone_number")
        contact_id = self._next_id("contact")
        contact = {
            "id": contact_id,
            "name": body.get("name") or "",
            "email": body.get("email"),
            "phone_number": phone,
            "identifier": body.get("identifier"),
            "custom_attributes": dict(body.get("custom_attributes") or {}),
            "additional_attributes": dict(body.get("additional_attributes") or {}),
            "contact_inboxes": [],
        }
        if body.get("inbox_id"):
            contact["contact_inboxes"].append(self._contact_inbox(contact_id, int(body["inbox_id"])))
        self.contacts[contact_id] = contact
        return contact

    def _contact_inbox(self, contact_id: int, inbox_id: int) -> dict:
        return {"source_id": str(uuid.uuid4()), "inbox": {"id": inbox_id, "name": "WhatsApp", "channel_type": "Channel::Api"}}

    def _get_api_v_accounts_account_id_contacts_search(self, params, query, body):
        needle = (query.get("q") or "").lower()
        found = [
            c for c in self.contacts.values()
            if needle and any(needle in str(c.get(key) or "").lower() for key in ("name", "email", "phone_number", "identifier"))
        ]
        return JSONResponse({"meta": {"count": len(found), "current_page": 1, "has_more": False}, "payload": found[:15]})

    def _post_api_v_accounts_account_id_contacts(self, params, query, body):
        phone = body.get("phone_number")
        if phone and not E164.match(phone):
            return JSONResponse({"message": "Phone number should be in e164 format"}, status_code=422)
        if phone and any(c["phone_number"] == phone for c in self.contacts.values()):
            return JSONResponse({"message": "Phone number has already been taken", "attributes": ["phone_number"]},
                                status_code=422)
        contact = self._create_contact(body)
        return JSONResponse({"payload": {"contact": contact, "contact_inbox": contact["contact_inboxes"][0]}})

    def _put_api_v_accounts_account_id_contacts_id(self, params, query, body):
        contact = self.contacts.get(int(params["id"]))
        if contact is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        contact["custom_attributes"].update(body.get("custom_attributes") or {})
        contact["additional_attributes"].update(body.get("additional_attributes") or {})
        for key in ("name", "email", "phone_number", "identifier"):
            if key in body:
                contact[key] = body[key]
        return JSONResponse({"payload": contact})

    def _post_api_v_accounts_account_id_actions_contact_merge(self, params, query, body):
        """The mergee's conversations, labels and attributes move to the base; the mergee is deleted."""
        base = self.contacts.get(int(body["base_contact_id"]))
        mergee = self.contacts.get(int(body["mergee_contact_id"]))
        if base is None or mergee is None or base is mergee:
            return JSONResponse({"message": "contact not found"}, status_code=404)
        for conversation in self.conversations.values():
            if conversation["contact_id"] == mergee["id"]:
                conversation["contact_id"] = base["id"]
        base["custom_attributes"] = {**mergee["custom_attributes"], **base["custom_attributes"]}
        del self.contacts[mergee["id"]]
        return JSONResponse({"id": base["id"], "name": base["name"], "phone_number": base["phone_number"]})

    def _delete_api_v_accounts_account_id_contacts_id(self, params, query, body):
        """Chatwoot destroys the contact with its conversations and their messages."""
        contact = self.contacts.pop(int(params["id"]), None)
        if contact is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        gone = [cid for cid, c in self.conversations.items() if c["contact_id"] == contact["id"]]
        for conversation_id in gone:
            del self.conversations[conversation_id]
        self.messages = {mid: m for mid, m in self.messages.items() if m["conversation_id"] not in gone}
        return JSONResponse({})

    def _get_api_v_accounts_account_id_contacts_id_labels(self, params, query, body):
        contact = self.contacts.get(int(params["id"]))
        if contact is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"payload": list(contact.setdefault("labels", []))})

    def _post_api_v_accounts_account_id_contacts_id_labels(self, params, query, body):
        contact = self.contacts.get(int(params["id"]))
        if contact is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        bad = [label for label in body["labels"] if not LABEL.match(label)]
        if bad:
            self.violations.append(f"invalid contact label(s) {bad}")
        contact["labels"] = list(dict.fromkeys(body["labels"]))  # replaces, as for conversations
        return JSONResponse({"payload": contact["labels"]})

    def _post_api_v_accounts_account_id_contacts_id_contact_inboxes(self, params, query, body):
        contact = self.contacts.get(int(params["id"]))
        if contact is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        contact_inbox = self._contact_inbox(contact["id"], int(body["inbox_id"]))
        contact["contact_inboxes"].append(contact_inbox)
        return JSONResponse(contact_inbox)

    def _get_api_v_accounts_account_id_contacts_id_conversations(self, params, query, body):
        contact_id = int(params["id"])
        mine = [c for c in self.conversations.values() if c["contact_id"] == contact_id]
        mine.sort(key=lambda c: c["last_activity_at"], reverse=True)
        return JSONResponse({"payload": [self._conversation_json(c) for c in mine[:20]]})

    # --- conversations ----------------------------------------------------------------
    def _conversation_json(self, conversation: dict) -> dict:
        contact = self.contacts[conversation["contact_id"]]
        assignee = self.users.get(conversation["assignee_id"]) if conversation["assignee_id"] else None
        return {
            "id": conversation["id"],
            "inbox_id": conversation["inbox_id"],
            "status": conversation["status"],
            "channel": "Channel::Api",
            "labels": list(conversation["labels"]),
            "custom_attributes": {},
            "additional_attributes": {},
            "contact_inbox": {"contact_id": contact["id"], "inbox_id": conversation["inbox_id"],
                              "source_id": conversation["source_id"]},
            "meta": {
                "sender": {k: contact[k] for k in ("id", "name", "phone_number", "email", "identifier")} | {"type": "contact"},
                "assignee": assignee,
                "assignee_type": "User" if assignee else None,
                "team": {"id": conversation["team_id"]} if conversation["team_id"] else None,
            },
            "last_activity_at": conversation["last_activity_at"],
        }

    def _post_api_v_accounts_account_id_conversations(self, params, query, body):
        contact_id = body.get("contact_id")
        contact = self.contacts.get(int(contact_id)) if contact_id else None
        if contact is None:
            source_owner = [c for c in self.contacts.values()
                            if any(ci["source_id"] == body["source_id"] for ci in c["contact_inboxes"])]
            if not source_owner:
                return JSONResponse({"error": "contact inbox not found"}, status_code=404)
            contact = source_owner[0]
        display_id = self._next_id("conversation")
        self.conversations[display_id] = {
            "id": display_id,
            "inbox_id": int(body.get("inbox_id") or self.inbox_id),
            "contact_id": contact["id"],
            "source_id": body["source_id"],
            "status": body.get("status") or self.new_conversation_status,
            "labels": [],
            "assignee_id": body.get("assignee_id"),
            "team_id": body.get("team_id"),
            "last_activity_at": display_id,
        }
        return JSONResponse(self._conversation_json(self.conversations[display_id]))

    def _conversation(self, params) -> dict | None:
        return self.conversations.get(int(params["conversation_id"]))

    def _create_message(self, conversation_id: int, body: dict, sender: dict | None = None) -> dict:
        conversation = self.conversations[conversation_id]
        message_id = self._next_id("message")
        message = {
            "id": message_id,
            "conversation_id": conversation_id,
            "content": body["content"],
            "message_type": MESSAGE_TYPES[body.get("message_type", "outgoing")],
            "private": bool(body.get("private")),
            "content_attributes": dict(body.get("content_attributes") or {}),
            "echo_id": body.get("echo_id"),
            "sender": sender or self.users[1],
            "attachments": list(body.get("_attachments") or []),
        }
        self.messages[message_id] = message
        conversation["last_activity_at"] = 1000 + message_id
        return message

    def _post_api_v_accounts_account_id_conversations_conversation_id_messages(self, params, query, body):
        if self._conversation(params) is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        message = self._create_message(int(params["conversation_id"]), body)
        shown = {k: v for k, v in message.items() if k not in ("echo_id", "attachments")}
        shown["attachments"] = [{k: v for k, v in item.items() if k != "content"} for item in message["attachments"]]
        return JSONResponse(shown)

    def _get_api_v_accounts_account_id_conversations_conversation_id_messages(self, params, query, body):
        """Latest messages first page, ascending (Chatwoot returns up to 20 before `before`)."""
        conversation = self._conversation(params)
        if conversation is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        mine = sorted(self.conversation_messages(conversation["id"]), key=lambda m: m["id"])
        if query.get("before"):
            mine = [m for m in mine if m["id"] < int(query["before"])]
        page = [
            {k: v for k, v in m.items() if k != "echo_id"} | {"content_type": "text", "created_at": 1_700_000_000}
            for m in mine[-20:]
        ]
        meta = {"labels": list(conversation["labels"]), "additional_attributes": {}}
        return JSONResponse({"meta": meta, "payload": page})

    def _get_api_v_accounts_account_id_agents(self, params, query, body):
        return JSONResponse([dict(agent) for agent in self.agents])

    def _get_api_v_accounts_account_id_conversations_conversation_id_labels(self, params, query, body):
        conversation = self._conversation(params)
        if conversation is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"payload": list(conversation["labels"])})

    def _post_api_v_accounts_account_id_conversations_conversation_id_labels(self, params, query, body):
        conversation = self._conversation(params)
        if conversation is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        bad = [label for label in body["labels"] if not LABEL.match(label)]
        if bad:
            self.violations.append(f"invalid label(s) {bad}")
        conversation["labels"] = list(dict.fromkeys(body["labels"]))  # replaces, as Chatwoot does
        return JSONResponse({"payload": conversation["labels"]})

    def _get_api_v_profile(self, params, query, body):
        """The user the API token belongs to (user 1, "Bot API")."""
        return JSONResponse({**self.users[1], "email": "bot@seldenrijk.nl", "role": "administrator"})

    def _post_api_v_accounts_account_id_conversations_conversation_id_assignments(self, params, query, body):
        conversation = self._conversation(params)
        if conversation is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        self.assignments.append((conversation["id"], dict(body)))
        if "assignee_id" in body:  # team_id is ignored when assignee_id is present
            conversation["assignee_id"] = body["assignee_id"]
        elif "team_id" in body:
            conversation["team_id"] = body["team_id"]
        return JSONResponse(self.users.get(conversation["assignee_id"]) or {})

    def _post_api_v_accounts_account_id_conversations_conversation_id_toggle_status(self, params, query, body):
        conversation = self._conversation(params)
        if conversation is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        conversation["status"] = body["status"]
        return JSONResponse({"meta": {}, "payload": {"success": True, "conversation_id": conversation["id"],
                                                     "current_status": conversation["status"], "snoozed_until": None}})

    # --- account setup ------------------------------------------------------------------
    def _get_api_v_accounts_account_id_custom_attribute_definitions(self, params, query, body):
        model = int(query["attribute_model"])
        return JSONResponse([d for d in self.attribute_definitions.values() if d["attribute_model"] == model])

    def _post_api_v_accounts_account_id_custom_attribute_definitions(self, params, query, body):
        model = int(body.get("attribute_model", 0))
        if any(d["attribute_key"] == body.get("attribute_key") and d["attribute_model"] == model
               for d in self.attribute_definitions.values()):
            return JSONResponse({"message": "Attribute key has already been taken"}, status_code=422)
        definition_id = self._next_id("attribute")
        self.attribute_definitions[definition_id] = {"id": definition_id, **body, "attribute_model": model}
        return JSONResponse(self.attribute_definitions[definition_id])

    def _get_api_v_accounts_account_id_labels(self, params, query, body):
        return JSONResponse({"payload": list(self.account_labels.values())})

    def _post_api_v_accounts_account_id_labels(self, params, query, body):
        title = str(body.get("title", ""))
        if not LABEL.match(title):
            self.violations.append(f"invalid account label {title!r}")
            return JSONResponse({"message": "Title is invalid"}, status_code=422)
        if any(label["title"] == title for label in self.account_labels.values()):
            return JSONResponse({"message": "Title has already been taken"}, status_code=422)
        label_id = self._next_id("label")
        self.account_labels[label_id] = {"id": label_id, **body}
        return JSONResponse(self.account_labels[label_id])
