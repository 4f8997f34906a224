#!/usr/bin/env python3
"""Validates the files `deploy-advisor manifests` (or `report`, under deploy/) writes, with the
real clients: Azure ML's Python SDK v2 (azure-ai-ml: load_online_endpoint / load_online_deployment
check the YAML against the v2 schemas offline), kubernetes-validate (the Kubernetes OpenAPI
schemas, strict), the JSON files' computeType, the IoT Edge manifest's structure, `sh -n` for
the scripts.

    validate-manifests.py DIR        exit 0 when every file is accepted, 1 otherwise (each
                                     problem printed with its file), 2 on usage errors.
    validate-manifests.py FILE.yaml  a Kubernetes file (deploy/kubernetes/sweep-job.yaml):
                                     every document against the schemas, strict; an Indexed
                                     Job running `sweep` must set DEPLOY_ADVISOR_SHARD_COUNT
                                     to its completions.
"""
import json
import os
import subprocess
import sys

import yaml


def kubernetes_file(path):
    import kubernetes_validate
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    problems = []
    for d in documents:
        name = f"{d.get('kind')}/{d.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(d, kubernetes_validate.latest_version(), strict=True)
        except Exception as e:
            problems.append(f"{path}: {name}: {type(e).__name__}: {e}")
            continue
        spec = d.get("spec", {})
        if d.get("kind") == "Job" and spec.get("completionMode") == "Indexed":
            for c in spec["template"]["spec"]["containers"]:
                if "sweep" not in c.get("args", []):
                    continue
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                if env.get("DEPLOY_ADVISOR_SHARD_COUNT") != str(spec.get("completions")):
                    problems.append(
                        f"{path}: {name}: DEPLOY_ADVISOR_SHARD_COUNT {env.get('DEPLOY_ADVISOR_SHARD_COUNT')!r} "
                        f"is not the Job's completions {spec.get('completions')!r}")
    for p in problems:
        print(p)
    print(f"checked {len(documents)} Kubernetes documents in {path}; {len(problems)} problem(s)")
    return 1 if problems or not documents else 0


def main(argv):
    if len(argv) == 2 and os.path.isfile(argv[1]) and argv[1].endswith((".yaml", ".yml")):
        return kubernetes_file(argv[1])
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: validate-manifests.py DIR | FILE.yaml", file=sys.stderr)
        return 2
    root = argv[1]
    problems = []
    checked = []

    def check(path, fn):
        full = os.path.join(root, path)
        if not os.path.exists(full):
            return
        checked.append(path)
        try:
            fn(full)
        except Exception as e:  # every failure is reported with its file
            problems.append(f"{path}: {type(e).__name__}: {e}")

    from azure.ai.ml import load_online_deployment, load_online_endpoint
    from azure.ai.ml.entities import (
        KubernetesOnlineDeployment,
        KubernetesOnlineEndpoint,
        ManagedOnlineDeployment,
        ManagedOnlineEndpoint,
    )

    def loaded(loader, cls):
        def fn(full):
            entity = loader(source=full)
            if not isinstance(entity, cls):
                raise TypeError(f"loaded as {type(entity).__name__}, expected {cls.__name__}")
            if isinstance(entity, (ManagedOnlineDeployment, KubernetesOnlineDeployment)):
                if not isinstance(entity.instance_count, int) or entity.instance_count < 1:
                    raise ValueError(f"instance_count {entity.instance_count!r} is not a positive integer")
        return fn

    check("managed/endpoint.yml", loaded(load_online_endpoint, ManagedOnlineEndpoint))
    check("managed/deployment.yml", loaded(load_online_deployment, ManagedOnlineDeployment))
    check("aks/endpoint.yml", loaded(load_online_endpoint, KubernetesOnlineEndpoint))
    check("aks/deployment.yml", loaded(load_online_deployment, KubernetesOnlineDeployment))

    def kubernetes(full):
        import kubernetes_validate
        with open(full) as f:
            documents = [d for d in yaml.safe_load_all(f) if d]
        if not documents:
            raise ValueError("no Kubernetes documents")
        for d in documents:
            kubernetes_validate.validate(d, kubernetes_validate.latest_version(), strict=True)

    check("aks/kubernetes.yml", kubernetes)

    def compute_type(expected):
        def fn(full):
            with open(full) as f:
                config = json.load(f)
            if config.get("computeType") != expected:
                raise ValueError(f"computeType {config.get('computeType')!r}, expected {expected!r}")
        return fn

    check("aci/deploymentconfig.json", compute_type("ACI"))
    check("aks/deploymentconfig.json", compute_type("AKS"))
    check("fpga/deploymentconfig.json", compute_type("AKS"))

    def edge(full):
        with open(full) as f:
            manifest = json.load(f)
        content = manifest["modulesContent"]
        agent = content["$edgeAgent"]["properties.desired"]
        hub = content["$edgeHub"]["properties.desired"]
        for d in (agent, hub):
            if d.get("schemaVersion") not in ("1.0", "1.1"):
                raise ValueError(f"schemaVersion {d.get('schemaVersion')!r}")
        modules = dict(agent["modules"], **agent["systemModules"])
        for name, m in modules.items():
            json.loads(m["settings"]["createOptions"])  # createOptions is a JSON string
            if not m["settings"].get("image"):
                raise ValueError(f"module {name} has no image")
        ttl = hub["storeAndForwardConfiguration"]["timeToLiveSecs"]
        if not isinstance(ttl, int) or ttl < 0:
            raise ValueError(f"timeToLiveSecs {ttl!r}")

    check("iot-edge/deployment.json", edge)

    def shell(full):
        subprocess.run(["sh", "-n", full], check=True, capture_output=True, text=True)

    check("managed/autoscale.sh", shell)
    check("fpga/create-cluster.sh", shell)

    for p in problems:
        print(p)
    print(f"checked {len(checked)} files: {', '.join(checked)}; {len(problems)} problem(s)")
    if not checked:
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
