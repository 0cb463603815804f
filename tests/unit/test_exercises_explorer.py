"""Element explorer: pick a condition, read what it means in each space."""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import pytest
from traitlets import TraitError

from trace_widgets import content
from trace_widgets.answers import AnswerError
from trace_widgets.exercises import ExplorerState, explorer, explorer_html, explorer_view


def test_state_starts_on_the_first_element_and_checks_what_it_is_given() -> None:
    state = ExplorerState()
    assert state.element == content.elements()[0].id
    state.element = "capability"
    assert state.element == "capability"
    with pytest.raises(AnswerError):
        state.element = "vision"
    with pytest.raises((AnswerError, TraitError)):
        state.element = 3  # type: ignore[assignment]
    assert state.element == "capability"
    assert state.answers() == []


@pytest.mark.parametrize("element", [e.id for e in content.elements()])
def test_the_text_has_the_element_and_every_space(element: str) -> None:
    c = content.get()
    text = explorer_html(element)
    el = c.element(element)
    assert html.escape(el.description) in text
    for space in c.spaces:
        cell = c.cell(element, space.id)
        assert f"<h4>{html.escape(space.name)}</h4>" in text
        assert html.escape(cell.looks_like) in text
        for prompt in cell.prompts:
            assert f"<li>{html.escape(prompt.text)}</li>" in text


def test_the_text_is_escaped_even_though_the_project_wrote_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = content.get()
    odd = real.elements[0].model_copy(update={"description": '<script>alert("x")</script> & co'})
    patched = dataclasses.replace(real, elements=(odd, *real.elements[1:]))
    monkeypatch.setattr(content, "get", lambda: patched)
    text = explorer_html(odd.id)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in text


def test_the_view_has_a_labelled_picker_and_follows_it() -> None:
    view = explorer_view(ExplorerState())
    c = content.get()
    assert isinstance(view.picker, widgets.Dropdown)  # a native <select> with <label for>
    assert view.picker.description == c.text("explorer.pick")
    assert view.picker.options == tuple((e.name, e.id) for e in c.elements)
    view.picker.value = "energy"
    assert view.state.element == "energy"
    assert view.panel.value == explorer_html("energy")
    assert view.flush()


def test_a_forged_pick_never_reaches_the_state() -> None:
    view = explorer_view(ExplorerState())
    with pytest.raises(TraitError):
        view.picker.set_state({"index": 42})
    assert view.state.element == content.elements()[0].id


def test_an_unexpected_error_is_shown_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    view = explorer_view(ExplorerState())

    def boom(element: str) -> str:
        raise RuntimeError("template broke")

    monkeypatch.setattr(explorer, "explorer_html", boom)
    view.picker.value = "route"
    assert view.message.value == content.get().text("error.generic")
