"""Patch ids: each guards one change to a workflow's command sequence (docs/versioning.md).

Keep every id until it is retired as docs/versioning.md describes; never reuse one.
"""

# ConversationWorkflow
PATCH_SEND_FAILURES = "staff-flood-send-failure-recorded"  # a failed staff/flood send is recorded, not fatal
PATCH_ESCALATION_ID = "escalation-id-from-trigger"  # escalation ids survive a new run
PATCH_CAN_KEEPS_CRM = "can-waits-for-crm-batch"  # continue-as-new lets the CRM batch finish
PATCH_SEND_GIVES_UP = "send-gives-up-after-15m"  # a stuck send gives up and alerts sales
PATCH_BOUNDED_STATE = "bounded-state-lists"  # full queues hold, fold or drop instead of growing
PATCH_PRIVACY_REQUEST = "e2-privacy-request-workflow"  # a privacy request starts a PrivacyRequestWorkflow child
PATCH_TESTDRIVE_BOOKING = "testdrive-booking-in-chat"  # the chat books, moves and cancels test drives
PATCH_TESTDRIVE_OPT_OUT = "testdrive-opt-out-signalled"  # STOP tells the chat's TestDriveWorkflows
PATCH_TRADEIN = "tradein-intake"  # RDW lookup, intake step, the quiet timer and the summary for sales (issue 16)
PATCH_MEDIA = "media-messages"  # media messages answered without the agent pipeline (issue 16)
PATCH_MEDIA_FORWARD = "media-forwarded-to-escalation"  # a photo or voice note during an escalation is forwarded too
PATCH_OPEN_CHECKS = "c-open-question-sales-task"  # a promised check goes to sales as a light task (issue 14 §2)
PATCH_SESSION_WAIT = "i17-send-waits-for-session"  # a send during a WAHA session outage waits for WORKING (issue 17)
PATCH_LID_MERGE = "i17-lid-merge"  # an @lid chat hands over to its phone's conversation; the CRM contacts merge (issue 17)
PATCH_LID_MOVES_PRIVACY = "i17-lid-merge-moves-privacy"  # the lid's PrivacyRequestWorkflow is told the phone, chat and conversation
PATCH_LID_MOVES_TEST_DRIVES = "i17-lid-merge-moves-test-drives"  # the lid's TestDriveWorkflows are told the phone's conversation and chat
PATCH_PRESENCE = "whatsapp-seen-typing"  # each customer message: best-effort sendSeen + startTyping (issue 17)
PATCH_PRESENCE_ORDER = "seen-typing-before-send"  # a send waits (≤ 2 s) for a seen/typing call in flight
PATCH_UPSERT_CHANGES_ONLY = "search-attributes-when-changed"  # a message upserts only the search attributes it changes (issue 18)
PATCH_QUIET_CONTINUE = "continue-as-new-when-quiet"  # a run continues as new once the chat is quiet after a turn (issue 18)
PATCH_SEEN_WITH_REPLY = "seen-rides-with-reply"  # a message answered at once: sendSeen inside the reply's send, no presence activity (issue 18)
PATCH_BURST = "burst-coalescing"  # quick messages wait for a durable quiet window and get one reply (issue 17)
PATCH_BURST_MEDIA = "burst-media-joins"  # a photo between a burst's texts is handled after their one reply, not ending the burst
PATCH_FOLLOW_UP = "i17-follow-ups"  # each customer turn plans a follow-up (local activity), its durable timer, the follow-up send (issue 17)
PATCH_MESSAGE_EVENTS = "edits-revokes-reactions"  # message.edited/.revoked handled, a 👍 on our yes/no question answered as "ja"
PATCH_TWO_STEP_ANSWER = "answer-in-two-steps"  # understanding also searches the stock, the reply step also scores the lead (issue 18)
PATCH_ONE_UNDERSTANDING_STEP = "understand-in-one-step"  # router, extraction, expertise as one local activity (issue 18)
PATCH_HANDOVER = "e1-handover-conversation"  # an open escalation no longer silences the chat (issue 13 §1)

# EscalationWorkflow
PATCH_HANDOVER_ESCALATION = "e1-handover-escalation"  # tells the conversation, forwards, raises urgency, knows its echoes
