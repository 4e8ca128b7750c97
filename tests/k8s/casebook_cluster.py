"""Catalogue cases: workloads, nodes, resources, storage and monitoring alerts."""
