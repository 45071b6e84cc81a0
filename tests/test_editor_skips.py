"""What a developer sees when an editor the real-editor tests need is missing:
a skip naming it and the command that installs it; under `./dev test`, which
installs every editor first, a failure instead of a silent skip."""

from __future__ import annotations

import pytest

from tests.editors.conftest import find_tool

ABSENT = "backend-lens-no-such-editor"


def test_missing_editor_is_skipped_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKEND_LENS_REQUIRE_EDITORS", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        find_tool(ABSENT, tmp_path / "nothing-here", install="editors/install/x.sh")
    message = str(skipped.value)
    assert f"{ABSENT} is not installed" in message
    assert "run `editors/install/x.sh`" in message and "./dev editors" in message


def test_missing_editor_fails_when_every_editor_is_required(monkeypatch):
    monkeypatch.setenv("BACKEND_LENS_REQUIRE_EDITORS", "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        find_tool(ABSENT, install="editors/install/x.sh")
    assert f"{ABSENT} is not installed" in str(failed.value)


def test_installed_editor_is_found_first_where_the_installer_puts_it(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKEND_LENS_REQUIRE_EDITORS", raising=False)
    exe = tmp_path / "bin" / ABSENT
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_tool(ABSENT, exe, install="editors/install/x.sh") == str(exe)
