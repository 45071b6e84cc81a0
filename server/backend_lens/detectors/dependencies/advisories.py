"""The dated table of known advisories (``rules/third-party/advisories.toml``) and
the version arithmetic EXT004 needs. Offline: the table is all it knows."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass

from ... import catalogue
from .reading import normalise

TABLE = "third-party/advisories.toml"

_VERSION = re.compile(
    r"^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)"  # epoch, release
    r"(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?"  # pre-release
    r"(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?"  # post-release
    r"(?:[-_.]?(dev)[-_.]?(\d*))?"  # development release
    r"(?:\+[a-z0-9.]+)?\s*$",  # local version
    re.I,
)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def version_key(text: str) -> tuple | None:
    """A key that orders PEP 440 versions (None: not a version)."""
    m = _VERSION.match(text)
    if not m:
        return None
    epoch = int(m.group(1) or 0)
    release = [int(x) for x in m.group(2).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()  # 1.0 == 1.0.0
    pre = (_PRE[m.group(3).lower()], int(m.group(4) or 0)) if m.group(3) else None
    post = m.group(5) or (m.group(7) or "0" if m.group(6) else None)
    dev = int(m.group(9) or 0) if m.group(8) else None
    # order: dev releases < pre-releases < the release < post releases
    if pre is None and post is None and dev is not None:
        pre_key: tuple = (-1, 0)
    elif pre is None:
        pre_key = (9, 0)
    else:
        pre_key = pre
    post_key = -1 if post is None else int(post)
    dev_key = 1 << 30 if dev is None else dev
    return (epoch, tuple(release), pre_key, post_key, dev_key)


@dataclass(frozen=True)
class Advisory:
    package: str
    id: str
    summary: str
    ranges: tuple[tuple[str, str], ...]  # [introduced, fixed)

    def fixed_for(self, version: tuple) -> str | None:
        """The fixed version of the range ``version`` is in (None: not affected)."""
        for introduced, fixed in self.ranges:
            low, high = version_key(introduced), version_key(fixed)
            if low is None or high is None:
                continue
            if (introduced == "0" or version >= low) and version < high:
                return fixed
        return None


@dataclass(frozen=True)
class Table:
    date: str
    by_package: dict[str, tuple[Advisory, ...]]


@functools.cache
def load() -> Table:
    """The table shipped with the rule catalogue (read once per process)."""
    path = catalogue.rules_dir() / TABLE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise catalogue.CatalogueError(f"{TABLE} cannot be read: {exc}") from None
    found: dict[str, list[Advisory]] = {}
    for entry in data.get("advisory", ()):
        try:
            adv = Advisory(
                normalise(entry["package"]),
                entry["id"],
                entry["summary"],
                tuple((str(a), str(b)) for a, b in entry["ranges"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise catalogue.CatalogueError(f"{TABLE}: a malformed entry ({exc})") from None
        for a, b in adv.ranges:
            if version_key(a) is None or version_key(b) is None:
                raise catalogue.CatalogueError(f"{TABLE}: {adv.id}: not a version in {a!r}-{b!r}")
        found.setdefault(adv.package, []).append(adv)
    return Table(str(data.get("date", "")), {k: tuple(v) for k, v in found.items()})


def affecting(package: str, version: str) -> tuple[list[Advisory], str | None]:
    """The advisories of the table that ``package`` at ``version`` is affected by,
    and the nearest version that none of them affects (None when unknown)."""
    key = version_key(version)
    table = load().by_package.get(normalise(package), ())
    if key is None or not table:
        return [], None
    hits = [a for a in table if a.fixed_for(key) is not None]
    if not hits:
        return [], None
    target = version
    for _ in range(8):  # a fixed version can be affected by another advisory: go on
        tkey = version_key(target)
        assert tkey is not None
        fixes = [f for a in table if (f := a.fixed_for(tkey)) is not None]
        if not fixes:
            return hits, target
        target = max(fixes, key=lambda v: version_key(v) or ())
    return hits, None
