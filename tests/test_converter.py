"""Payloads leave out fields at their defaults and read back whole (workflows/converter.py)."""

from __future__ import annotations

import json

from temporalio.contrib.pydantic import pydantic_data_converter

from agents.models import CarPreferences, ConversationContext
from workflows.converter import data_converter


def test_a_payload_leaves_out_defaults_and_reads_back_the_same():
    context = ConversationContext(customer_name="Sanne", preferences=CarPreferences(make="Volkswagen"))
    [payload] = data_converter.payload_converter.to_payloads([context])
    assert json.loads(payload.data) == {"customer_name": "Sanne", "preferences": {"make": "Volkswagen"}}
    assert data_converter.payload_converter.from_payloads([payload], [ConversationContext]) == [context]


def test_a_payload_written_in_full_still_reads():
    context = ConversationContext(customer_name="Sanne", language="de")
    [full] = pydantic_data_converter.payload_converter.to_payloads([context])
    assert len(full.data) > len(data_converter.payload_converter.to_payloads([context])[0].data)
    assert data_converter.payload_converter.from_payloads([full], [ConversationContext]) == [context]
