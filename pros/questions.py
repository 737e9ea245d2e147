"""A category's job questions and the answers a quote request gives them (issue #12 item 8).

A question is ``{"key": "rooms", "label": "How many rooms?", "choices": ["1", "2"]}``;
optional ``"type"`` is ``"choice"`` (the default when ``choices`` is given), ``"text"`` (the
default otherwise) or ``"number"``, and ``"max_length"`` narrows a text answer. Answers map a
question's key to a string: only the category's own questions, each answered with one of its
choices, a number, or text within the length cap. Anything else is a 400 naming the key, so a
client can no longer store 20,000 keys or a megabyte key on a request every pro then reads.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from marketplace.errors import Invalid
from pros.models import Category

MAX_ANSWERS = 50
MAX_ANSWER_KEY_LENGTH = 64
MAX_ANSWER_LENGTH = 200


def _shown(key: str) -> str:
    return repr(key if len(key) <= 40 else key[:40] + "…")


def _invalid(message: str) -> Invalid:
    return Invalid("invalid", _("The request has invalid fields."), fields={"answers": [message]})


def category_questions(category: Category) -> dict[str, dict[str, Any]]:
    return {
        str(q["key"]): q for q in (category.questions or []) if isinstance(q, dict) and isinstance(q.get("key"), str)
    }


def answers_clean(*, category: Category, answers: dict[str, Any] | None) -> dict[str, str]:
    """The answers as stored: keys among the category's questions, values as each defines."""
    if not answers:
        return {}
    if not isinstance(answers, dict) or len(answers) > MAX_ANSWERS:
        raise _invalid(f"At most {MAX_ANSWERS} answers, one per question.")
    questions = category_questions(category)
    cleaned: dict[str, str] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            raise _invalid(f"{_shown(str(key))} is not a question of this category.")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _invalid(f"{_shown(key)}: the answer must be a string.")
        text = str(value).strip()
        choices = [str(c) for c in question.get("choices") or []]
        kind = question.get("type") or ("choice" if choices else "text")
        if kind == "choice" and choices:
            if text not in choices:
                raise _invalid(f"{_shown(key)}: must be one of {', '.join(choices)}.")
        elif kind == "number":
            try:
                if not Decimal(text).is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                raise _invalid(f"{_shown(key)}: must be a number.") from None
        cap = min(int(question.get("max_length") or MAX_ANSWER_LENGTH), MAX_ANSWER_LENGTH)
        if len(text) > cap:
            raise _invalid(f"{_shown(key)}: at most {cap} characters.")
        cleaned[key] = text
    return cleaned
