"""Custom search attributes: staff filter on these in the Temporal UI."""

from temporalio.common import SearchAttributeKey

CUSTOMER_PHONE = SearchAttributeKey.for_keyword("CustomerPhone")
INTENT = SearchAttributeKey.for_keyword("Intent")
LEAD_SCORE = SearchAttributeKey.for_int("LeadScore")
LEAD_QUALITY = SearchAttributeKey.for_keyword("LeadQuality")
ESCALATED = SearchAttributeKey.for_bool("Escalated")
ESCALATION_TYPE = SearchAttributeKey.for_keyword("EscalationType")
ESCALATION_STATE = SearchAttributeKey.for_keyword("EscalationState")

ALL = [CUSTOMER_PHONE, INTENT, LEAD_SCORE, LEAD_QUALITY, ESCALATED, ESCALATION_TYPE, ESCALATION_STATE]

# `temporal server start-dev --search-attribute Name=Type` spelling of the same list.
CLI_TYPES = {
    "CustomerPhone": "Keyword",
    "Intent": "Keyword",
    "LeadScore": "Int",
    "LeadQuality": "Keyword",
    "Escalated": "Bool",
    "EscalationType": "Keyword",
    "EscalationState": "Keyword",
}
