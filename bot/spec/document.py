"""The spec document as the model writes it (TechnicalSpecDraft, section by section) and its repair patch.

Sent to the endpoint as strict JSON schemas, like bot.spec.schemas: every field required (optional
values are nullable, never defaulted), no extra keys.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from bot.spec.schemas import Strict


class Sourced(Strict):
    """A statement with the transcript message ids (e.g. "M3") or answer ids ("A2") it rests on."""

    text: str
    sources: list[str]


class SystemContext(Strict):
    """Section 2: where the feature sits in the existing system."""

    affected_components: list[str]
    current_architecture: str
    diagram: str | None


class NonFunctionalRequirements(Strict):
    """Section 3.2: one entry per template heading."""

    performance: str
    scalability: str
    security: str
    reliability: str
    observability: str


class Decision(Strict):
    """A key architectural decision and why it was made."""

    decision: str
    rationale: str
    sources: list[str]


class ComponentRole(Strict):
    """A component and what it is responsible for."""

    name: str
    responsibility: str


class Architecture(Strict):
    """Section 4.1."""

    components: list[ComponentRole]
    data_flow: str
    decisions: list[Decision]


class TypedField(Strict):
    """A field of a request, response or entity."""

    name: str
    type: str
    description: str


class ErrorResponse(Strict):
    """An HTTP (or RPC) error a contract can return."""

    status: str
    description: str


class ApiContract(Strict):
    """Section 4.2: one endpoint."""

    method: str
    path: str
    summary: str
    request: list[TypedField]
    response: list[TypedField]
    errors: list[ErrorResponse]


class IndexSpec(Strict):
    """An index on an entity."""

    name: str
    fields: list[str]
    purpose: str


class DataEntity(Strict):
    """Section 4.3: one entity or table."""

    name: str
    fields: list[TypedField]
    indexes: list[IndexSpec]
    relationships: list[str]


class Dependencies(Strict):
    """Section 4.4."""

    external_services: list[str]
    libraries: list[str]
    infrastructure: list[str]


class ComponentChange(Strict):
    """Section 5.1: one affected component."""

    component: str
    files: list[str]
    changes: list[str]
    new_interfaces: list[str]


class MigrationStrategy(Strict):
    """Section 5.2; applicable=False renders as 'not applicable' with the reason in notes."""

    applicable: bool
    data_migration: list[str]
    backward_compatibility: str
    rollback_plan: str


class ErrorCase(Strict):
    """A row of the section 6 table."""

    scenario: str
    detection: str
    handling: str
    recovery: str


class UnitTesting(Strict):
    """Section 7.1."""

    key_units: list[str]
    mocking_strategy: str


class IntegrationTesting(Strict):
    """Section 7.2."""

    integration_points: list[str]
    test_data: str


class PerformanceTesting(Strict):
    """Section 7.3."""

    scenarios: list[str]
    acceptance_thresholds: list[str]


class TestingStrategy(Strict):
    """Section 7."""

    unit: UnitTesting
    integration: IntegrationTesting
    performance: PerformanceTesting


Rating = Literal["High", "Medium", "Low"]


class Risk(Strict):
    """A row of the section 8 table."""

    risk: str
    impact: Rating
    likelihood: Rating
    mitigation: str
    sources: list[str]


class TechnicalSpecDraft(Strict):
    """The whole spec, section by section, as the template defines it."""

    output_tokens: ClassVar[int] = 6_000
    title: str
    overview: str
    system_context: SystemContext
    functional_requirements: list[Sourced]
    non_functional: NonFunctionalRequirements
    architecture: Architecture
    api_contracts: list[ApiContract]
    data_model: list[DataEntity]
    dependencies: Dependencies
    component_changes: list[ComponentChange]
    migration: MigrationStrategy
    error_handling: list[ErrorCase]
    testing: TestingStrategy
    risks: list[Risk]
    open_questions: list[Sourced]
    references: list[str]


class SpecRepair(Strict):
    """A checklist repair: the sections the model rewrote, null for every section it leaves as it was."""

    output_tokens: ClassVar[int] = 4_000
    title: str | None
    overview: str | None
    system_context: SystemContext | None
    functional_requirements: list[Sourced] | None
    non_functional: NonFunctionalRequirements | None
    architecture: Architecture | None
    api_contracts: list[ApiContract] | None
    data_model: list[DataEntity] | None
    dependencies: Dependencies | None
    component_changes: list[ComponentChange] | None
    migration: MigrationStrategy | None
    error_handling: list[ErrorCase] | None
    testing: TestingStrategy | None
    risks: list[Risk] | None
    open_questions: list[Sourced] | None
    references: list[str] | None
