"""Settings come from TRACE_* variables and flags, with sensible defaults and clear errors."""

from __future__ import annotations

import pytest

from trace_widgets.settings import Settings, SettingsError, child_env


def test_defaults_are_sensible() -> None:
    s = Settings.from_env({})
    assert s.store.startswith("sqlite:///")
    assert s.store.endswith("trace.sqlite3")
    assert (s.port, s.anonymity_k, s.comment_k, s.text_limit) == (8866, 3, 5, 5000)


def test_environment_then_flags() -> None:
    env = {"TRACE_PORT": "9000", "TRACE_STORE": "postgresql://x/y", "TRACE_ANONYMITY_K": "4"}
    s = Settings.from_env(env, port=9100, store=None)
    assert (s.port, s.store, s.anonymity_k) == (9100, "postgresql://x/y", 4)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACE_PORT": "eighty"}, "TRACE_PORT='eighty' is not a whole number"),
        ({"TRACE_PORT": "70000"}, "TRACE_PORT=70000 is out of range"),
        ({"TRACE_TEXT_LIMIT": "25000"}, "TRACE_TEXT_LIMIT=25000 is out of range"),
        ({"TRACE_ANONYMITY_K": "0"}, "TRACE_ANONYMITY_K=0 is not allowed"),
        # The floors cannot be switched off (issue 10): k >= 3, comment floor >= k.
        ({"TRACE_ANONYMITY_K": "1"}, ("TRACE_ANONYMITY_K=1 is not allowed: the anonymity "
                                     "floor must be 3 to 100")),
        ({"TRACE_ANONYMITY_K": "2"}, "TRACE_ANONYMITY_K=2 is not allowed"),
        ({"TRACE_ANONYMITY_K": "101"}, "TRACE_ANONYMITY_K=101 is not allowed"),
        ({"TRACE_COMMENT_K": "2"}, ("TRACE_COMMENT_K=2 is not allowed: the floor for shared "
                                   "reflections must be at least TRACE_ANONYMITY_K=3")),
        ({"TRACE_ANONYMITY_K": "6", "TRACE_COMMENT_K": "5"}, "TRACE_COMMENT_K=5 is not allowed"),
    ],
)
def test_bad_values_say_which_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_raising_the_figure_floor_raises_an_unset_comment_floor_with_it() -> None:
    assert Settings.from_env({"TRACE_ANONYMITY_K": "7"}).comment_k == 7
    assert Settings.from_env({"TRACE_ANONYMITY_K": "4"}).comment_k == 5
    assert Settings.from_env({"TRACE_ANONYMITY_K": "3", "TRACE_COMMENT_K": "3"}).comment_k == 3


def test_the_cli_names_the_variable_of_a_floor_set_too_low(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    from trace_widgets import cli, settings  # noqa: PLC0415

    monkeypatch.setenv("TRACE_ANONYMITY_K", "1")
    monkeypatch.setattr(settings, "_current", None)
    assert cli.main(["workshop", "results", "NOPE", "--store", "sqlite://"]) == 2
    assert "TRACE_ANONYMITY_K=1 is not allowed" in capsys.readouterr().err


def test_child_env_carries_settings_and_template_path() -> None:
    env = child_env(Settings.from_env({}, port=9001), jupyter_path="/x/share")
    assert env["TRACE_PORT"] == "9001"
    assert env["JUPYTER_PATH"].split(":")[0] == "/x/share"
