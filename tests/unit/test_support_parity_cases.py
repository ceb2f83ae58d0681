"""The case generator of the parity test (``tests/support/parity_model.py``) is deterministic
and varied.
"""

from __future__ import annotations

from tests.support.parity_cases import CASES, HAND_CASES
from tests.support.parity_model import N_CASES, PRIORITIES, generate_case


def test_generator_is_deterministic_and_varied() -> None:
    again = [generate_case(i) for i in range(N_CASES)]
    assert [c.describe() for c in again] == [c.describe() for c in CASES[len(HAND_CASES) :]]
    generated = CASES[len(HAND_CASES) :]
    priorities = {s.priority for c in generated for s in c.sources}
    assert priorities == set(PRIORITIES)
    assert all(any(s.priority == "primary" for s in c.sources) for c in generated)
    assert not any(s.name.lower() == "pypi" for c in CASES for s in c.sources)
    assert any(d.pin for c in generated for d in c.deps)
    assert any(x.yanked for c in generated for ds in c.releases.values() for x in ds)
