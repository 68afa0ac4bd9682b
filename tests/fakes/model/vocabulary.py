"""Plausible, human-readable values keyed by JSON property name, for generated model answers.

Generated answers end up in rendered specs and Slack messages that tests (and humans reading test
output) look at, so "Lorem ipsum" would hide rendering bugs; these read like a real small spec about
an "items" API.  Tuples are cycled by array index so sibling items differ.
"""

from __future__ import annotations

MERMAID_DIAGRAM = (
    "graph TD\n"
    "  Client[Client] --> Gateway[API Gateway]\n"
    "  Gateway --> Items[Items Service]\n"
    "  Items --> DB[(PostgreSQL)]"
)

# Looked up by the property's own name.
STRINGS: dict[str, tuple[str, ...]] = {
    "title": ("Per-tenant rate limiting for the items API",),
    "language": ("English",),
    "overview": (
        "Add per-tenant rate limiting to the public items API so that one noisy tenant cannot degrade "
        "latency for everyone else.",
    ),
    "diagram": (MERMAID_DIAGRAM,),
    "current_architecture": (
        "Requests pass through the API gateway to the stateless items service, which stores items in "
        "PostgreSQL; there is no per-tenant throttling today.",
    ),
    "data_flow": (
        "The gateway authenticates the request, the limiter checks the tenant's token bucket in Redis, "
        "and allowed requests reach the items service, which writes to PostgreSQL.",
    ),
    "method": ("POST", "GET"),
    "path": ("/v1/items", "/v1/items/{item_id}"),
    "summary": ("Create an item for the calling tenant", "Fetch one item by id"),
    "status": ("429", "400", "404", "503"),
    "performance": ("p99 < 200 ms at 500 requests/s per region",),
    "scalability": ("Scales horizontally to 5,000 requests/s (10x today's peak) by adding replicas",),
    "security": ("All endpoints require OAuth2 bearer tokens; data is isolated by tenant_id",),
    "reliability": ("99.9% monthly availability; the limiter fails open if Redis is unavailable",),
    "observability": ("RED metrics per endpoint, structured logs with request_id, alert at > 1% errors",),
    "decision": ("Use a Redis token bucket per tenant", "Return 429 with Retry-After when throttled"),
    "rationale": (
        "Redis is already deployed and gives atomic counters shared by all replicas.",
        "Clients already retry on 429, so no client changes are needed.",
    ),
    "responsibility": ("Authenticates requests and enforces rate limits", "Owns item CRUD and storage"),
    "description": ("Unique identifier of the item", "Owning tenant", "Creation time (UTC)"),
    "purpose": ("Lists a tenant's items quickly", "Supports time-ordered pagination"),
    "relationships": ("items.tenant_id references tenants.id",),
    "external_services": ("Redis 7 (managed)", "Auth0 for token validation"),
    "libraries": ("redis-py 5", "pydantic 2"),
    "infrastructure": ("One Redis cluster per region", "Two extra gateway replicas"),
    "affected_components": ("api-gateway", "items-service"),
    "component": ("api-gateway", "items-service"),
    "files": ("gateway/middleware/rate_limit.py", "items/api/routes.py"),
    "changes": ("Add a rate-limit middleware before routing", "Return Retry-After on throttled requests"),
    "new_interfaces": ("RateLimiter.check(tenant_id) -> Decision",),
    "data_migration": ("Backfill default limits for existing tenants",),
    "backward_compatibility": ("Existing clients keep working; they only see 429s when over the limit.",),
    "rollback_plan": ("Disable the RATE_LIMIT_ENABLED flag; no data changes need reverting.",),
    "scenario": ("Redis is unreachable", "Tenant exceeds its limit"),
    "detection": ("Redis client raises ConnectionError", "Token bucket is empty"),
    "handling": ("Fail open and log a warning", "Respond 429 with Retry-After"),
    "recovery": ("Reconnect with exponential backoff", "Bucket refills at the configured rate"),
    "key_units": ("TokenBucket.refill", "RateLimitMiddleware.dispatch"),
    "mocking_strategy": ("Use fakeredis for the limiter and a frozen clock for refill timing.",),
    "integration_points": ("Gateway to Redis", "Gateway to items service"),
    "test_data": ("Three synthetic tenants with limits of 10, 100 and 1,000 requests/s.",),
    "scenarios": ("Steady 500 requests/s for 10 minutes", "Burst of 2,000 requests/s from one tenant"),
    "acceptance_thresholds": ("p99 < 200 ms at 500 requests/s", "error rate < 0.1%"),
    "risk": ("Redis latency adds to every request", "Limits set too low for large tenants"),
    "mitigation": ("Pipeline Redis calls and alert on p99 > 5 ms", "Start in report-only mode for a week"),
    "sources": ("M1", "M3", "A1"),
    "references": ("RFC 6585 section 4 (429 Too Many Requests)", "Internal runbook: Redis operations"),
    "question": ("Which limit should apply per tenant?",),
    "why_it_matters": ("It decides the capacity we must provision.",),
    "recommended_answer": ("100 requests/s per tenant, configurable per plan.",),
    "text": (
        "Throttle each tenant to its configured requests per second",
        "Expose the remaining quota in X-RateLimit-Remaining headers",
    ),
}

# Looked up by (parent property, property): the same name means different things in different places.
NESTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("components", "name"): ("api-gateway", "items-service"),
    ("data_model", "name"): ("items", "tenant_limits"),
    ("indexes", "name"): ("idx_items_tenant_id_created_at", "idx_items_created_at"),
    ("indexes", "fields"): ("tenant_id", "created_at"),
    ("fields", "name"): ("id", "tenant_id", "created_at"),
    ("fields", "type"): ("uuid", "uuid", "timestamptz"),
    ("request", "name"): ("name", "quantity"),
    ("request", "type"): ("string", "integer"),
    ("request", "description"): ("Display name of the item", "Number of units"),
    ("response", "name"): ("id", "created_at"),
    ("response", "type"): ("string (uuid)", "string (RFC 3339)"),
    ("response", "description"): ("Identifier of the new item", "Creation time (UTC)"),
    ("errors", "description"): ("Tenant exceeded its rate limit", "Request body failed validation"),
    ("open_questions", "text"): ("Should internal services bypass the limiter?",),
    ("risks", "sources"): ("M2", "M4"),
}

# Names of integer properties that have an obvious realistic value.
INTEGERS: dict[str, int] = {
    "port": 8080,
    "limit": 100,
    "timeout_ms": 200,
    "latency_ms": 200,
    "retries": 3,
    "max_retries": 3,
    "ttl_seconds": 3600,
}

# Enum choice is index-based; offsets keep sibling enums (impact vs likelihood) from always agreeing.
ENUM_OFFSETS: dict[str, int] = {"likelihood": 1}

# Booleans default to True (e.g. `applicable`); these read more naturally as False.
FALSE_BOOLEANS: frozenset[str] = frozenset({"thread_is_clear", "deprecated", "breaking"})

# Clarifying questions per template area: (question, why it matters, recommended answer).
AREA_QUESTIONS: dict[str, tuple[str, str, str]] = {
    "system_context": (
        "Which services sit in front of the items API today?",
        "The limiter must run where every request passes exactly once.",
        "Enforce it in the API gateway, which already sees all traffic.",
    ),
    "integration_points": (
        "Do internal batch jobs call the public items API?",
        "They could be throttled by mistake and fail nightly runs.",
        "Give internal callers a separate, higher limit.",
    ),
    "data": (
        "Where should per-tenant limits be stored?",
        "Limits must be editable without a deploy and read on every request.",
        "Keep them in the tenants table and cache them in Redis for 60 s.",
    ),
    "performance": (
        "What latency budget may the rate limiter add per request?",
        "It runs on every request, so it directly moves p99.",
        "At most 5 ms at p99, with p99 < 200 ms end to end.",
    ),
    "security": (
        "Should limits apply per API key or per tenant?",
        "Per-key limits let one tenant multiply its quota with extra keys.",
        "Per tenant, identified from the validated token.",
    ),
    "compatibility": (
        "Can existing clients handle 429 responses?",
        "Clients that do not retry would surface errors to end users.",
        "Yes for the official SDKs; announce the change to others two weeks ahead.",
    ),
    "infrastructure": (
        "Is there a Redis cluster available in every region?",
        "A cross-region Redis call would blow the latency budget.",
        "Provision one managed Redis per region.",
    ),
    "error_handling": (
        "Should the API fail open or closed when Redis is down?",
        "Failing closed turns a cache outage into a full API outage.",
        "Fail open, log a warning and alert after one minute.",
    ),
}

# The three areas the default ClarifyResult asks about, when the schema's enum offers them.
PREFERRED_AREAS: tuple[str, ...] = ("performance", "security", "data")


def humanize(name: str) -> str:
    """Turn an unknown property name into a readable placeholder sentence."""
    words = name.replace("_", " ").replace("-", " ").strip() or "value"
    return f"{words[0].upper()}{words[1:]} for the items API"
