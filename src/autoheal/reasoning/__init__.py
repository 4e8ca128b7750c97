"""Triage, hypothesis generators, the adversarial verifier, reports and model providers."""
