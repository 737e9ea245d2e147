"""Catalog text per language: category names and job questions (README "Languages").

``Category.translations`` holds what people read in the other languages, keyed by language
code; the base fields (``name``, each question's ``label``) are the marketplace's own text:

    {"fr-ca": {"name": "Plomberie",
               "questions": {"rooms": {"label": "Combien de pièces ?", "choices": {"1": "Une"}}}},
     "zh-hant": {"name": "水電", "questions": {...}}}

Fallback, per string: the active language's text, else the base text. Answers are always
stored as the choice *values* (``"1"``), whatever language the homeowner read them in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import translation

if TYPE_CHECKING:
    from pros.models import Category


def _entry(category: Category, language: str | None) -> dict[str, Any]:
    language = (language or translation.get_language() or "").lower()
    entry = (category.translations or {}).get(language)
    return entry if isinstance(entry, dict) else {}


def category_name(category: Category, language: str | None = None) -> str:
    return translated_name(category.name, category.translations, language)


def translated_name(name: str, translations: Any, language: str | None = None) -> str:
    """``category_name`` of a category read as two columns (its base name, its translations)."""
    language = (language or translation.get_language() or "").lower()
    entry = (translations or {}).get(language)
    text = entry.get("name") if isinstance(entry, dict) else None
    return text if isinstance(text, str) and text else name


def category_questions(category: Category, language: str | None = None) -> list[dict[str, Any]]:
    """The questions with ``label`` in the language and ``choice_labels`` {value: text}."""
    translated = _entry(category, language).get("questions") or {}
    out = []
    for question in category.questions or []:
        if not isinstance(question, dict):
            continue
        local: dict[str, Any] = translated.get(str(question.get("key"))) or {}
        choices_text = local.get("choices")
        labels: dict[str, Any] = choices_text if isinstance(choices_text, dict) else {}
        choices = question.get("choices") or []
        out.append(
            {
                **question,
                "label": local.get("label") or question.get("label", ""),
                "choice_labels": {str(c): labels.get(str(c), str(c)) for c in choices},
            }
        )
    return out
