from __future__ import annotations

import pytest

from consult.core.urls import is_local_path


@pytest.mark.parametrize("target", ["/", "/drafts/x", "/drafts/x?y=1#p3"])
def test_local_paths_are_allowed(target):
    assert is_local_path(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "drafts/x",
        "/x\r\nLocation: https://evil.example",
        "http:/evil.example",
    ],
)
def test_other_targets_are_refused(target):
    assert not is_local_path(target)
