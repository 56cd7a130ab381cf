"""Shared test settings: hypothesis profiles that keep the suite fast and deterministic."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ranvier",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ranvier")
