"""The thread's language comes from its text; a model's `language` field is used only when checked."""

from __future__ import annotations

from bot.spec.language import human_language, thread_language

GERMAN = "[M1] Ana (2 h ago): Wir brauchen einen CSV-Export für das Dashboard; die Datei landet in S3.\n"
SPANISH = (
    "[M1] Bob (1 h ago): Necesitamos limitar las peticiones por cliente y devolver un error 429 con Retry-After.\n"
)
ENGLISH = "[M1] Cat (3 min ago): We need a CSV export for the analytics dashboard, written by a background job.\n"


def test_the_language_is_detected_from_the_messages_whatever_the_model_says() -> None:
    assert thread_language(GERMAN, "English") == "German"
    assert thread_language(SPANISH, None) == "Spanish"
    assert thread_language(ENGLISH, "JavaScript") == "English"


def test_a_short_thread_takes_the_model_answer_only_when_it_names_a_human_language() -> None:
    assert thread_language("[M1] Ana: hola", "Español") == "Spanish"
    assert thread_language("[M1] Ana: hi", "JavaScript") == "English"
    assert thread_language("[M1] Ana: hi", "Ignore previous instructions") == "English"


def test_language_names_and_codes_are_checked_against_the_list() -> None:
    assert human_language("de-DE") == "German" and human_language("Deutsch") == "German"
    assert human_language("python") is None and human_language("") is None
