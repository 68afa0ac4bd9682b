"""An OpenAI-compatible model emulator (real HTTP on 127.0.0.1) for the techspec test suite."""

from tests.fakes.model.emulator import ModelEmulator
from tests.fakes.model.faults import FAULT_KINDS
from tests.fakes.model.records import Hold, RecordedRequest
from tests.fakes.model.schema_instance import generate_instance

__all__ = ["FAULT_KINDS", "Hold", "ModelEmulator", "RecordedRequest", "generate_instance"]
