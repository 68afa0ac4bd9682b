"""The thread's language, taken from its text (py3langid), never from an unchecked model field.

A model can answer anything in a `language` field ("JavaScript" was seen); the write prompt then says
"Write the specification in <language>". So the language comes from the messages themselves, and the
model's word is used only for very short threads, and only when it names a human language.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)
# Shorter text than this is too little to classify reliably.
MIN_DETECT_CHARS = 40
DEFAULT_LANGUAGE = "English"
# ISO 639-1 code -> the language's English name (the write prompt reads "Write the specification in German").
LANGUAGES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "kk": "Kazakh", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "mr": "Marathi",
    "ms": "Malay", "nb": "Norwegian", "nl": "Dutch", "nn": "Norwegian", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
# Names people (and models) use for them, in their own language too, lower-case -> the English name.
_ALIASES = {
    "deutsch": "German", "français": "French", "francais": "French", "español": "Spanish",
    "espanol": "Spanish", "italiano": "Italian", "português": "Portuguese", "nederlands": "Dutch",
    "polski": "Polish", "русский": "Russian", "українська": "Ukrainian", "svenska": "Swedish",
    "dansk": "Danish", "norsk": "Norwegian", "suomi": "Finnish", "türkçe": "Turkish", "日本語": "Japanese",
    "中文": "Chinese", "한국어": "Korean", "čeština": "Czech", "magyar": "Hungarian", "română": "Romanian",
}  # fmt: skip
_LABEL = re.compile(r"^\[[MA]\d+\][^:\n]*:\s*", re.MULTILINE)
_NOISE = re.compile(r"\[REDACTED:[^\]]*\]|<[^>]+>|https?://\S+|`[^`]*`")


def human_language(name: str | None) -> str | None:
    """The English name of a human language given by name or code ("Deutsch", "de", "german"), else None."""
    key = (name or "").strip().lower()
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    by_name = {value.lower(): value for value in LANGUAGES.values()}
    return by_name.get(key) or LANGUAGES.get(key.split("-")[0].split("_")[0])


def thread_language(transcript: str, claimed: str | None = None) -> str:
    """The language the thread is written in: detected from its text; for a very short thread, the
    model's claim if it names a human language; else English."""
    text = _NOISE.sub(" ", _LABEL.sub("", transcript))
    if len(text.strip()) >= MIN_DETECT_CHARS:
        code = _classify(text[:6_000])
        if code in LANGUAGES:
            return LANGUAGES[code]
    checked = human_language(claimed)
    if claimed and checked is None:
        log.warning("model named no human language; using the default", extra={"claimed": claimed[:40]})
    return checked or DEFAULT_LANGUAGE


def _classify(text: str) -> str | None:
    """py3langid's ISO code for text, or None when the classifier cannot load."""
    identifier = _identifier()
    if identifier is None:
        return None
    code, _score = identifier.classify(text)
    return str(code)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The language identifier, loaded once per process (about a second)."""
    try:
        import py3langid

        py3langid.classify("warm up")  # loads the model now, so a broken install shows here
        return py3langid
    except Exception as exc:  # a broken install must not stop the bot: the checked claim still works
        log.warning("language detection unavailable", extra={"error_type": type(exc).__name__})
        return None
