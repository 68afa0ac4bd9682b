"""Checks on the spec's structured sections: API contracts and the data model."""

from __future__ import annotations

from collections.abc import Iterator

from bot.spec.checklist.base import BODYLESS_METHODS, HTTP_METHODS, CheckContext, Problem, blank, problem
from bot.spec.document import ApiContract, DataEntity, TechnicalSpecDraft


def api_contracts(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Method, path, typed request and response fields, and error responses."""
    return [found for api in spec.api_contracts for found in _contract_problems(api)]


def _contract_problems(api: ApiContract) -> Iterator[Problem]:
    def found(code: str, **details: str | tuple[str, ...]) -> Problem:
        # Every API problem names the endpoint it is about, as the spec wrote it.
        return problem("api_contracts", code, method=api.method, path=api.path, **details)

    method = api.method.strip().upper()
    if method not in HTTP_METHODS:
        yield found("api_bad_method", allowed=tuple(sorted(HTTP_METHODS)))
    if not api.path.strip().startswith("/"):
        yield found("api_bad_path")
    if not api.request and method not in BODYLESS_METHODS:
        yield found("api_no_request")
    if not api.response:
        yield found("api_no_response")
    for part, fields in (("request", api.request), ("response", api.response)):
        for item in fields:
            if blank(item.name) or blank(item.type):
                yield found("api_untyped_field", part=part, field=item.name)
    if not api.errors or any(blank(e.status) for e in api.errors):
        yield found("api_no_errors")


def data_model(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Typed fields; relationships and indexes for every foreign key."""
    return [found for entity in spec.data_model for found in _entity_problems(entity)]


def _entity_problems(entity: DataEntity) -> Iterator[Problem]:
    if not entity.fields:
        yield problem("data_model", "entity_no_fields", entity=entity.name)
    for item in entity.fields:
        if blank(item.type):
            yield problem("data_model", "field_untyped", entity=entity.name, field=item.name)
    indexed = {name.strip().lower() for index in entity.indexes for name in index.fields}
    relationships = " ".join(entity.relationships).lower()
    for position, item in enumerate(entity.fields):
        name = item.name.strip().lower()
        if name.endswith("_id") and name != "id":
            # A foreign key: the thread implies a relationship, and lookups by it need an index
            # (the first field is taken as the primary key, which is indexed anyway).
            if name[: -len("_id")] not in relationships:
                yield problem("data_model", "foreign_key_unrelated", entity=entity.name, field=item.name)
            if name not in indexed and position > 0:
                yield problem("data_model", "foreign_key_unindexed", entity=entity.name, field=item.name)
