"""The keys of Rasa's Helm charts that deploy/*.values.yaml may set, written down from the charts themselves.

The charts cannot be fetched here (helm.rasa.com is out of reach), so their structure is kept as data:
RasaHQ/helm-charts ``charts/rasa/values.yaml`` (chart rasa 1.x, image tag 3.2.6 by default) and
``charts/rasa-action-server/values.yaml``, plus keys their templates read without a default in values.yaml
(``redis.existingSecret``, ``redis.existingSecretPasswordKey`` and ``redis.master.service.port`` in
rasa-common's ``_redis.tpl``). ``ANY`` marks a value the chart passes on whole (``toYaml``) or key by key,
whose content is Kubernetes' or Rasa's to judge, not the chart's.

``TRACKER_STORE_DEFAULTS`` and ``LOCK_STORE_DEFAULTS`` are the chart's default keys of the two endpoint
sections that ``config-map.yaml`` renders key by key: values that keep one of them render it.
"""
from __future__ import annotations

from typing import Any, Dict


class _Whole:
    """A value the chart passes on whole."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Whole()
SCALAR = None

_PROBE = ANY
_IMAGE_PULL = {"name": SCALAR, "tag": SCALAR, "repository": SCALAR, "pullPolicy": SCALAR, "pullSecrets": ANY}
_SERVICE = {"type": SCALAR, "port": SCALAR, "annotations": ANY, "nodePort": SCALAR, "loadBalancerIP": SCALAR,
            "externalTrafficPolicy": SCALAR}
_INGRESS = {"enabled": SCALAR, "annotations": ANY, "labels": ANY, "pathType": SCALAR, "path": SCALAR,
            "hostname": SCALAR, "tls": ANY, "extraPaths": ANY}
_AUTOSCALING = {"enabled": SCALAR, "minReplicas": SCALAR, "maxReplicas": SCALAR,
                "targetCPUUtilizationPercentage": SCALAR}
_SERVICE_ACCOUNT = {"create": SCALAR, "annotations": ANY, "name": SCALAR}
_POD = {"podAnnotations": ANY, "podLabels": ANY, "deploymentAnnotations": ANY, "deploymentLabels": ANY,
        "podSecurityContext": ANY, "securityContext": ANY, "resources": ANY, "nodeSelector": ANY,
        "tolerations": ANY, "affinity": ANY, "strategy": ANY, "livenessProbe": _PROBE, "readinessProbe": _PROBE,
        "initContainers": ANY, "volumes": ANY, "volumeMounts": ANY}

RASA_CHART: Dict[str, Any] = {
    "nameOverride": SCALAR, "fullnameOverride": SCALAR, "registry": SCALAR,
    "applicationSettings": {
        "debugMode": SCALAR, "initialModel": SCALAR, "trainInitialModel": SCALAR, "port": SCALAR, "scheme": SCALAR,
        "token": SCALAR, "cors": SCALAR, "enableAPI": SCALAR,
        "credentials": {"enabled": SCALAR, "additionalChannelCredentials": ANY},
        "telemetry": {"enabled": SCALAR},
        "endpoints": {
            "models": {"enabled": SCALAR, "url": SCALAR, "token": SCALAR, "waitTimeBetweenPulls": SCALAR,
                       "useRasaXasModelServer": {"enabled": SCALAR, "tag": SCALAR}},
            "trackerStore": ANY, "lockStore": ANY, "eventBroker": ANY,
            "action": {"endpointURL": SCALAR}, "additionalEndpoints": ANY,
        },
        "rasaX": {"enabled": SCALAR, "token": SCALAR, "url": SCALAR, "useConfigEndpoint": SCALAR},
    },
    "replicaCount": SCALAR,
    "networkPolicy": {"enabled": SCALAR, "denyAll": SCALAR},
    "args": ANY, "extraArgs": ANY, "command": ANY, "extraEnv": ANY, "extraContainers": ANY,
    "image": _IMAGE_PULL,
    "serviceAccount": _SERVICE_ACCOUNT,
    **_POD,
    "service": _SERVICE,
    "ingress": _INGRESS,
    "autoscaling": _AUTOSCALING,
    "global": {"postgresql": {"postgresqlUsername": SCALAR, "postgresqlPassword": SCALAR, "existingSecret": SCALAR,
                              "postgresqlDatabase": SCALAR, "servicePort": SCALAR},
               "redis": {"password": SCALAR}},
    "postgresql": {"install": SCALAR, "external": {"enabled": SCALAR, "host": SCALAR}},
    "redis": {"install": SCALAR, "replica": {"replicaCount": SCALAR}, "auth": {"password": SCALAR},
              "external": {"enabled": SCALAR, "host": SCALAR},
              "existingSecret": SCALAR, "existingSecretPasswordKey": SCALAR,
              "master": {"service": {"port": SCALAR}}},
    "rabbitmq": {"install": SCALAR,
                 "auth": {"username": SCALAR, "password": SCALAR, "existingPasswordSecret": SCALAR,
                          "erlangCookie": SCALAR},
                 "external": {"enabled": SCALAR, "host": SCALAR}},
    "nginx": {"enabled": SCALAR, "image": {"name": SCALAR, "tag": SCALAR}, "livenessProbe": _PROBE,
              "readinessProbe": _PROBE, "port": SCALAR, "resources": ANY, "securityContext": ANY,
              "tls": {"enabled": SCALAR, "port": SCALAR, "generateSelfSignedCert": SCALAR,
                      "certificateSecret": SCALAR},
              "customConfiguration": ANY},
    "rasa-action-server": {"install": SCALAR, "external": {"enabled": SCALAR, "url": SCALAR}},
    "duckling": {"install": SCALAR, "external": {"enabled": SCALAR, "url": SCALAR}},
}

ACTION_SERVER_CHART: Dict[str, Any] = {
    "nameOverride": SCALAR, "fullnameOverride": SCALAR, "registry": SCALAR,
    "applicationSettings": {"port": SCALAR, "scheme": SCALAR},
    "replicaCount": SCALAR,
    "args": ANY, "command": ANY, "extraEnv": ANY,
    "image": _IMAGE_PULL,
    "serviceAccount": _SERVICE_ACCOUNT,
    **_POD,
    "service": _SERVICE,
    "ingress": _INGRESS,
    "autoscaling": _AUTOSCALING,
}

TRACKER_STORE_DEFAULTS = ("enabled", "type", "dialect", "url", "port", "username", "password", "db", "login_db")
LOCK_STORE_DEFAULTS = ("enabled", "type", "url", "port", "password", "db")
