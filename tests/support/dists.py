"""Sample distributions the demo index tests serve."""

from __future__ import annotations

from nbext.demo import Dist

UTILS_1 = Dist("acme-utils", "1.0.0", summary="helpers")
UTILS_2 = Dist(
    "acme-utils",
    "2.0.0",
    requires_dist=("acme-core>=1", 'colorama ; sys_platform == "win32"'),
    requires_python=">=3.8",
    summary="helpers",
)
UTILS_3 = Dist("acme-utils", "3.0.0", yanked="broken <build>", summary="helpers")
UTILS_4 = Dist("acme-utils", "4.0.0", yanked=True, sdist=False)
CORE = Dist("Acme.Core", "1.0", wheel=False)
DISTS = (UTILS_1, UTILS_2, UTILS_3, UTILS_4, CORE)
