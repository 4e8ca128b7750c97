"""Catalogue cases: workloads, nodes, resources, storage and monitoring alerts."""

from __future__ import annotations

from typing import Any

from autoheal.k8s import apiobjects as k
from tests.k8s.casebook import backoff_event, case, crash_pod, deployment_family, m


@case
def replicas_mismatch_insufficient_memory() -> dict[str, Any]:
    ns, app = "reco", "feature-store"
    t1 = k.template(
        {"app": app},
        [k.container("store", "ghcr.io/acme/feature-store:3.0.2", requests={"memory": "12Gi", "cpu": "1"})],
    )
    objs = deployment_family(ns, app, [("9b8c7d6e5", t1, m(-30000))], replicas=5, ready=3)
    pods = []
    for i, suffix in enumerate(["a1b2c", "d3e4f", "g5h6j"]):
        st = k.container_status("store", "ghcr.io/acme/feature-store:3.0.2", k.running(m(-3000)), ready=True)
        pods.append(
            k.pod(
                f"feature-store-9b8c7d6e5-{suffix}",
                ns,
                m(-3000),
                t1,
                [st],
                owner=("ReplicaSet", "feature-store-9b8c7d6e5"),
                ip=f"10.244.5.{i + 2}",
            )
        )
    pend = "feature-store-9b8c7d6e5-x9y8z"
    pods.append(
        k.pod(
            pend,
            ns,
            m(-35),
            t1,
            [],
            owner=("ReplicaSet", "feature-store-9b8c7d6e5"),
            phase="Pending",
            scheduled=False,
        )
    )
    objs += [
        *pods,
        k.event(
            ns,
            "Pod",
            pend,
            "FailedScheduling",
            "0/6 nodes are available: 1 node(s) were unschedulable, 5 Insufficient memory. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.",
            m(-35),
            m(-1),
            count=40,
            component="default-scheduler",
        ),
    ]
    return {
        "title": "Replicas mismatch: 2 pods pending on Insufficient memory",
        "family": "KubeDeploymentReplicasMismatch",
        "now": m(0),
        "starts": m(-20),
        "summary": f"Deployment {ns}/{app} has not matched the expected number of replicas for longer than 15 minutes.",
        "labels": {
            "alertname": "KubeDeploymentReplicasMismatch",
            "namespace": ns,
            "deployment": app,
            "severity": "warning",
        },
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": app},
            "noise": False,
            "facts": ["Insufficient memory", {"text": "3/5 ready", "derived": True}],
        },
    }


@case
def rollout_stuck_bad_image_crash() -> dict[str, Any]:
    ns, app, c = "checkout", "pricing-engine", "engine"
    t1 = k.template({"app": app}, [k.container(c, "registry.corp.example/checkout/pricing-engine:19.3.0")])
    t2 = k.template({"app": app}, [k.container(c, "registry.corp.example/checkout/pricing-engine:19.4.0")])
    objs = deployment_family(
        ns,
        app,
        [("7e6d5c4b3", t1, m(-20000)), ("8f7e6d5c4", t2, m(-45))],
        replicas=6,
        ready=5,
        progressing=("False", "ProgressDeadlineExceeded", "has timed out progressing."),
    )
    pod = "pricing-engine-8f7e6d5c4-v7wxs"
    objs += [
        crash_pod(
            ns,
            pod,
            "pricing-engine-8f7e6d5c4",
            t2,
            m(-44),
            c,
            "registry.corp.example/checkout/pricing-engine:19.4.0",
            restarts=10,
            exit_code=1,
            reason="Error",
            last_start=m(-2),
            last_end=m(-2),
        ),
        backoff_event(ns, pod, c, m(-40), m(-1), 52),
    ]
    log = (
        'Traceback (most recent call last):\n  File "/app/engine/rules.py", line 88, in load\n'
        "    table = compile_rules(raw)\n"
        'panic: rule "vat-2026" references unknown currency field\n'
    )
    return {
        "title": "Rollout stuck: 19.4.0 crashes on start (ProgressDeadlineExceeded)",
        "family": "KubeDeploymentRolloutStuck",
        "now": m(0),
        "starts": m(-25),
        "summary": f"Rollout of deployment {ns}/{app} is not progressing for longer than 15 minutes.",
        "labels": {
            "alertname": "KubeDeploymentRolloutStuck",
            "namespace": ns,
            "deployment": app,
            "condition": "Progressing",
            "severity": "warning",
        },
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": ["19.4.0", "vat-2026", {"text": "revision 2", "derived": True}],
        },
    }


@case
def job_failed_permission_denied() -> dict[str, Any]:
    ns, job, c = "backup", "pg-backup-29012345", "dump"
    t1 = k.template(
        {"job-name": job},
        [
            k.container(
                c, "docker.io/library/postgres:16.2", command=["/bin/sh", "-c", "pg_dump > /backups/db.sql"]
            )
        ],
    )
    t1["spec"]["restartPolicy"] = "Never"
    job_obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": k.meta("Job", job, ns, m(-70), labels={"job-name": job}),
        "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1, "template": t1},
        "status": {
            "failed": 3,
            "startTime": k.ts(m(-70)),
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastProbeTime": k.ts(m(-50)),
                    "lastTransitionTime": k.ts(m(-50)),
                }
            ],
        },
    }
    pod = f"{job}-mx7kq"
    st = k.container_status(
        c, "docker.io/library/postgres:16.2", k.terminated(2, "Error", m(-52), m(-51)), restarts=0
    )
    pod_obj = k.pod(pod, ns, m(-52), t1, [st], owner=("Job", job), phase="Failed")
    log = "pg_dump: starting\n/bin/sh: 1: cannot create /backups/db.sql: Permission denied\n"
    return {
        "title": "Job failed: backup cannot write to /backups",
        "family": "KubeJobFailed",
        "now": m(0),
        "starts": m(-45),
        "summary": f"Job {ns}/{job} failed to complete.",
        "labels": {"alertname": "KubeJobFailed", "namespace": ns, "job_name": job, "severity": "warning"},
        "objects": [job_obj, pod_obj],
        "logs": {(pod, c, False): log},
        "expected": {
            "root_cause": {"kind": "permission_denied", "object": job},
            "noise": False,
            "facts": ["Permission denied", "/backups/db.sql", "BackoffLimitExceeded"],
        },
    }
