"""Shared set-up: a headless matplotlib backend and reproducible hypothesis runs."""

import os

# Before anything imports matplotlib: no display in CI, and figures are only inspected.
os.environ["MPLBACKEND"] = "Agg"

from hypothesis import HealthCheck, settings

# derandomize: the same examples on every run and machine (CI is reproducible);
# database=None: no .hypothesis/ directory, so a failure does not replay a stored example
# on one machine only. Examples are small, but a busy 2-core runner must not trip deadlines.
settings.register_profile(
    "chainrule",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=10,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("chainrule")
