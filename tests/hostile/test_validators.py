"""The one piece of code that keeps control characters out of typed text, and where it
applies: every form people outside the secretariat type into."""

import importlib
import inspect

import pytest
from django import forms
from django.core.exceptions import ValidationError

from society.forms import PlainTextFormMixin
from society.validators import PlainTextValidator, forbidden_character
from tests.hostile import corpus

FORM_MODULES = [
    "society.forms",
    "society.member_forms",
    "society.registration_forms",
    "society.article_views",
    "projects.forms",
    "projects.review_forms",
    "projects.implementation_forms",
    "kpis.forms",
    "awards.forms",
]


def typed_forms():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == name
                and any(isinstance(f, forms.CharField) for f in cls.base_fields.values())
            ):
                yield cls


@pytest.mark.parametrize("form_class", list(typed_forms()), ids=lambda cls: cls.__name__)
def test_every_form_with_text_fields_refuses_control_characters(form_class):
    assert issubclass(form_class, PlainTextFormMixin)


REFUSED = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufffd",
    "\ud800",
    "\udfff",
]
KEPT = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3000", "\u00a0", "👨‍👩‍👧", "עברית"]


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("multiline", [True, False])
def test_control_characters_are_refused_with_a_chinese_message(char, multiline):
    with pytest.raises(ValidationError) as caught:
        PlainTextValidator(multiline=multiline)(f"名称{char}后缀")
    message = caught.value.messages[0]
    assert "重新输入" in message


@pytest.mark.parametrize("char", KEPT)
def test_invisible_but_harmless_characters_are_kept(char):
    assert forbidden_character(f"名称{char}后缀", multiline=False) is None


@pytest.mark.parametrize("char", ["\n", "\r", "\t"], ids=["LF", "CR", "TAB"])
def test_line_breaks_only_in_text_areas(char):
    PlainTextValidator(multiline=True)(f"第一行{char}第二行")
    with pytest.raises(ValidationError):
        PlainTextValidator(multiline=False)(f"第一行{char}第二行")


def test_the_message_names_the_character():
    with pytest.raises(ValidationError) as caught:
        PlainTextValidator()("名称\x1b")
    assert "U+001B" in caught.value.messages[0]


@pytest.mark.parametrize(
    "entry", [e for e in corpus.TEXT if e.refuse == corpus.ALWAYS and isinstance(e.value, str)]
)
def test_every_always_refused_text_entry_is_caught_by_the_validator(entry):
    assert forbidden_character(entry.value) is not None
