"""Every test gets its own result cache folder (engine/cache.py): nothing is
written to the user's cache, and no test reads what another one left."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("BACKEND_LENS_CACHE_DIR", str(tmp_path_factory.mktemp("result-cache")))
