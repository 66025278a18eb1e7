"""How our payloads are written into Temporal: pydantic JSON, leaving out every field that holds
its default value.

Most fields of the agents' models are empty most of the time (an extraction's thirty optional
facts, a car's unknown details), and the full JSON repeated them in every payload: each local
activity's input (the SDK core keeps those for the whole run, docs/memory.md), each result in the
history, each continue-as-new. Without them a message's step inputs are about a third smaller.
Reading is unchanged: a left-out field gets its default back, and payloads written in full (older
histories) read as before. The models' defaults are constants or factories of empty values, and no
payload is a union told apart by a defaulted tag, so nothing is lost.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import temporalio.api.common.v1
from pydantic_core import SchemaSerializer
from pydantic_core.core_schema import any_schema
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, DataConverter

_SERIALIZER = SchemaSerializer(any_schema())


class CompactJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    def to_payload(self, value: Any) -> temporalio.api.common.v1.Payload | None:
        return temporalio.api.common.v1.Payload(
            metadata={"encoding": self.encoding.encode()}, data=_SERIALIZER.to_json(value, exclude_defaults=True)
        )


@cache
def _converters() -> tuple:
    return tuple(
        CompactJSONPayloadConverter() if isinstance(converter, PydanticJSONPlainPayloadConverter) else converter
        for converter in PydanticPayloadConverter().converters.values()
    )


class CompactPayloadConverter(CompositePayloadConverter):
    """PydanticPayloadConverter with the compact JSON converter in its place.

    The SDK builds a new payload converter for each workflow activation and serialization context;
    the per-encoding converters hold no state, so they are built once and shared (building them
    each time was ~5% of the workflows' worker CPU)."""

    def __init__(self) -> None:
        super().__init__(*_converters())


data_converter = DataConverter(payload_converter_class=CompactPayloadConverter)
