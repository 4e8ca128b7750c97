"""Case bundles: the documented format for bringing an incident in (alert + evidence + optional answer),
its replay through triage and the investigation, and its capture from a live cluster."""

from autoheal.cases.bundle import Bundle, BundleError, Expected, Fact, load_bundle, load_folder

__all__ = ["Bundle", "BundleError", "Expected", "Fact", "load_bundle", "load_folder"]
