"""What Rasa's charts make of deploy/*.values.yaml, re-done in Python for the parts the values feed.

Helm and the charts are out of reach here (deploy/README.md), so the few template steps that matter are
written out from the charts' templates: Helm's merge rule that a ``null`` removes a default key, the
``endpoints`` section of charts/rasa ``config-map.yaml`` (each tracker/lock store key rendered as it stands,
``${ACTION_SERVER_URL}`` for the action endpoint), and each chart's ``deployment.yaml`` as a Deployment object
that kubernetes-validate can check.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

from tests.deploy.chart_keys import ANY, LOCK_STORE_DEFAULTS, TRACKER_STORE_DEFAULTS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
CHART_DEFAULT = "<the chart's default value>"


def load(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def load_all(name: str) -> List[Dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / name).read_text(encoding="utf-8")) if doc]


def unknown_keys(values: Mapping[str, Any], chart: Mapping[str, Any], path: str = "") -> List[str]:
    """Every key path of ``values`` that the chart does not have (a typo the chart would silently ignore)."""
    found = []
    for key, value in values.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in chart:
            found.append(where)
        elif chart[key] is ANY:
            continue
        elif isinstance(chart[key], dict):
            if value is not None and not isinstance(value, dict):
                found.append(f"{where} (a map in the chart)")
            elif value:
                found.extend(unknown_keys(value, chart[key], where))
        elif isinstance(value, (dict, list)):
            found.append(f"{where} (a single value in the chart)")
    return found


def section(values: Mapping[str, Any], defaults: Tuple[str, ...]) -> Dict[str, Any]:
    """A store section after Helm merges the values over the chart's defaults: a null removes the key, a key
    left alone keeps the chart's default (shown as CHART_DEFAULT)."""
    merged: Dict[str, Any] = dict.fromkeys(defaults, CHART_DEFAULT)
    merged.update(values)
    return {k: v for k, v in merged.items() if v is not None}


def action_server_url(values: Mapping[str, Any]) -> str:
    """``rasa.actionServer.url`` for an action server installed apart (``external``)."""
    actions = values["rasa-action-server"]
    if actions.get("install") or not actions["external"].get("enabled") or not actions["external"].get("url"):
        return ""
    return str(actions["external"]["url"])


def redis_env(values: Mapping[str, Any]) -> Dict[str, Any]:
    """``rasa-common.redis.envs`` for an external Redis."""
    redis = values["redis"]
    port = ((redis.get("master") or {}).get("service") or {}).get("port") or 6379
    return {"REDIS_HOST": redis["external"]["host"], "REDIS_PORT": str(port),
            "REDIS_PASSWORD": {"secretKeyRef": {"name": redis.get("existingSecret") or "assistant-rasa-redis",
                                                "key": redis.get("existingSecretPasswordKey") or "redis-password"}}}


def rendered_endpoints(values: Mapping[str, Any]) -> Dict[str, Any]:
    """The endpoints.yml the chart's ConfigMap holds (before Rasa substitutes ${VARIABLES})."""
    endpoints = values["applicationSettings"]["endpoints"]
    result: Dict[str, Any] = {}
    if endpoints["models"].get("enabled"):
        result["models"] = {"url": endpoints["models"]["url"], "token": "${MODEL_SERVER_TOKEN}"}
    tracker = section(endpoints["trackerStore"], TRACKER_STORE_DEFAULTS)
    if tracker.get("enabled"):
        result["tracker_store"] = {k: v for k, v in tracker.items() if k != "enabled"}
    lock = section(endpoints["lockStore"], LOCK_STORE_DEFAULTS)
    if lock.get("enabled"):
        result["lock_store"] = {k: v for k, v in lock.items() if k != "enabled"}
    if action_server_url(values):
        result["action_endpoint"] = {"url": "${ACTION_SERVER_URL}"}
    return result


def rendered_credentials(values: Mapping[str, Any]) -> Dict[str, Any]:
    credentials = values["applicationSettings"]["credentials"]
    return dict(credentials.get("additionalChannelCredentials") or {}) if credentials.get("enabled") else {}


def env_entry(name: str, value: Any) -> Dict[str, Any]:
    return {"name": name, "valueFrom": value} if isinstance(value, dict) else {"name": name, "value": value}


def rasa_deployment(values: Mapping[str, Any]) -> Dict[str, Any]:
    """charts/rasa ``deployment.yaml`` with these values (nginx sidecar off, model downloaded at start)."""
    app = values["applicationSettings"]
    name = values["fullnameOverride"]
    selector = {"app.kubernetes.io/name": "rasa", "app.kubernetes.io/instance": name}
    env = [env_entry("RASA_TELEMETRY_ENABLED", str(app["telemetry"]["enabled"]).lower()),
           env_entry("MPLCONFIGDIR", "/tmp/.matplotlib"), env_entry("TF_CPP_MIN_LOG_LEVEL", "2")]
    env += [env_entry(k, v) for k, v in redis_env(values).items()]
    if action_server_url(values):
        env.append(env_entry("ACTION_SERVER_URL", action_server_url(values)))
    env += [env_entry("RASA_TOKEN", {"secretKeyRef": {"name": name, "key": "rasa-token"}}),
            env_entry("JWT_SECRET", {"secretKeyRef": {"name": name, "key": "jwt-secret"}})]
    env += values.get("extraEnv") or []
    download = bool(app.get("initialModel")) and not app["endpoints"]["models"].get("enabled")
    mounts: List[Dict[str, Any]] = [{"mountPath": "/app/models", "name": "models"}] if download else []
    mounts += [{"name": "config-dir", "mountPath": "/.config"},
               {"mountPath": "/app/endpoints.yml", "subPath": "endpoints.yml", "name": "rasa-configuration",
                "readOnly": True},
               {"mountPath": "/app/credentials.yml", "subPath": "credentials.yml", "name": "rasa-configuration",
                "readOnly": True}]
    volumes: List[Dict[str, Any]] = [{"name": "models", "emptyDir": {}}] if download else []
    volumes += [{"name": "config-dir", "emptyDir": {}},
                {"name": "rasa-configuration",
                 "configMap": {"name": name, "items": [{"key": "endpoints", "path": "endpoints.yml"},
                                                       {"key": "credentials", "path": "credentials.yml"}]}}]
    init = [{"name": "download-initial-model", "image": "busybox", "command": ["/bin/sh", "-c"],
             "args": [f"cd /app/models/ && wget {app['initialModel']} -O model.tar.gz"],
             "volumeMounts": [{"mountPath": "/app/models", "name": "models"}]}] if download else []
    container = {"name": "rasa-oss", "args": values["args"], "command": values["command"],
                 "ports": [{"name": "http", "containerPort": app["port"], "protocol": "TCP"}],
                 "env": env, "volumeMounts": mounts + (values.get("volumeMounts") or [])}
    return _deployment(values, name, selector, container, init, volumes + (values.get("volumes") or []))


def action_server_deployment(values: Mapping[str, Any]) -> Dict[str, Any]:
    """charts/rasa-action-server ``deployment.yaml`` with these values."""
    name = values["fullnameOverride"]
    selector = {"app.kubernetes.io/name": "rasa-action-server", "app.kubernetes.io/instance": name}
    container = {"name": "action-server", "args": values["args"], "command": values["command"],
                 "ports": [{"name": "http", "containerPort": values["applicationSettings"]["port"],
                            "protocol": "TCP"}],
                 "env": values.get("extraEnv") or []}
    if values.get("volumeMounts"):
        container["volumeMounts"] = values["volumeMounts"]
    return _deployment(values, name, selector, container, values.get("initContainers") or [],
                       values.get("volumes") or [])


def _deployment(values: Mapping[str, Any], name: str, selector: Dict[str, str], container: Dict[str, Any],
                init: List[Any], volumes: List[Any]) -> Dict[str, Any]:
    image = values["image"]
    container = {**container, "image": f"{image['repository']}:{image['tag']}",
                 "imagePullPolicy": image["pullPolicy"], "securityContext": values.get("securityContext") or {},
                 "livenessProbe": values["livenessProbe"], "readinessProbe": values["readinessProbe"],
                 "resources": values.get("resources") or {}}
    pod: Dict[str, Any] = {"serviceAccountName": "default", "securityContext": values.get("podSecurityContext") or {},
                           "containers": [container]}
    if init:
        pod["initContainers"] = init
    if volumes:
        pod["volumes"] = volumes
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {**selector, **(values.get("deploymentLabels") or {})}},
            "spec": {"replicas": values["replicaCount"], "strategy": values["strategy"],
                     "selector": {"matchLabels": selector},
                     "template": {"metadata": {"labels": {**selector, **(values.get("podLabels") or {})}},
                                  "spec": pod}}}


def env_entries(obj: Any) -> Iterator[Dict[str, Any]]:
    """Every container env entry (``{"name": …}`` with ``value`` or ``valueFrom``) anywhere in ``obj``."""
    if isinstance(obj, dict):
        if "name" in obj and ("value" in obj or "valueFrom" in obj) and len(obj) <= 3:
            yield obj
        for value in obj.values():
            yield from env_entries(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from env_entries(item)


def refs(obj: Any, kind: str) -> Iterator[Dict[str, Any]]:
    """Every ``secretKeyRef`` / ``configMapKeyRef`` in ``obj``."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == kind:
                yield value
            else:
                yield from refs(value, kind)
    elif isinstance(obj, list):
        for item in obj:
            yield from refs(item, kind)


def options(argv: List[str]) -> Dict[str, Optional[str]]:
    """``--option value`` pairs of a command line (a flag maps to None)."""
    result: Dict[str, Optional[str]] = {}
    for n, arg in enumerate(argv):
        if arg.startswith("--"):
            following = argv[n + 1] if n + 1 < len(argv) else None
            result[arg] = None if following is None or following.startswith("--") else following
    return result


def product_env_names() -> set:
    """Environment variables the product reads (bot/, actions/): upper-case names quoted in its code."""
    names: set = set()
    for path in [*PROJECT_ROOT.glob("bot/**/*.py"), *PROJECT_ROOT.glob("actions/**/*.py")]:
        names |= set(re.findall(r"[\"']([A-Z][A-Z0-9]*_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    return names
