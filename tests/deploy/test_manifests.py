"""deploy/assistant.yaml (the page server, Ingress, NetworkPolicies, data Job) and the secrets of all of deploy/.

Tried: each object valid against Kubernetes 1.28's schemas, strict; the Ingress routes as make run-scaled's
HAProxy does (the same prefixes to Rasa, the same sticky cookie, the rest to the page servers) to Services
that exist; Services select their Deployment's pods; NetworkPolicies select the pods the charts label;
every configMapKeyRef names a key of assistant-config; every secret is a secretKeyRef to assistant-secrets
with a key deploy/README.md creates, and no file of deploy/ holds a secret value. Bad input: a Deployment
whose replicas is a word, a manifest that spells a password out, and an undocumented secret key are caught.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Dict, Iterator, List

import kubernetes_validate
import pytest

from bot.scaleout.haproxy import Backends, render
from tests.deploy.charts import DEPLOY, env_entries, load, load_all, product_env_names, refs

K8S = "1.28.0"
OBJECTS = load_all("assistant.yaml")
RASA = load("rasa.values.yaml")
ACTIONS = load("rasa-action-server.values.yaml")
SECRET = "assistant-secrets"
SECRET_ENV = {"DATABASE_URL", "REDIS_URL", "TRACKER_DB_URL", "RASA_AUTH_TOKEN", "WECHAT_TOKEN", "WECHAT_SECRET",
              "WECHAT_AES_KEY"}
# keys that name a Secret (a reference), not hold one
SECRET_NAME_KEYS = {"existingSecret", "existingSecretPasswordKey", "secretName", "certificateSecret",
                    "existingPasswordSecret"}


def obj(kind: str, name: str) -> Dict[str, Any]:
    return next(o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name)


def haproxy_cfg() -> str:
    return render(Backends(public_bind="0.0.0.0", public_port=8000, rasa_api_port=18300, actions_port=18301,
                           rasa=[18001, 18002], actions=[18101], web=[18201]))


@pytest.mark.parametrize("manifest", OBJECTS, ids=[f"{o['kind']}/{o['metadata']['name']}" for o in OBJECTS])
def test_each_object_is_valid_kubernetes(manifest: Dict[str, Any]) -> None:
    assert kubernetes_validate.validate(manifest, K8S, strict=True)


def test_a_wrong_type_is_caught() -> None:
    bad = copy.deepcopy(obj("Deployment", "assistant-web"))
    bad["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S, strict=True)


def test_the_ingress_routes_as_haproxy_does() -> None:
    cfg = haproxy_cfg()
    to_rasa = re.search(r"acl to_rasa path_beg (.+)", cfg).group(1).split()  # type: ignore[union-attr]
    cookie = re.search(r"cookie (\S+) insert", cfg).group(1)  # type: ignore[union-attr]
    rasa, web = obj("Ingress", "assistant-rasa"), obj("Ingress", "assistant-web")
    rasa_paths = rasa["spec"]["rules"][0]["http"]["paths"]
    assert sorted(p["path"] for p in rasa_paths) == sorted(to_rasa)
    assert {(p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"]) for p in rasa_paths} == \
        {(RASA["fullnameOverride"], RASA["service"]["port"])}
    notes = rasa["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-name"] == cookie
    [web_path] = web["spec"]["rules"][0]["http"]["paths"]
    service = obj("Service", "assistant-web")
    assert (web_path["path"], web_path["backend"]["service"]["name"]) == ("/", service["metadata"]["name"])
    assert web_path["backend"]["service"]["port"]["number"] == service["spec"]["ports"][0]["port"]
    assert rasa["spec"]["rules"][0]["host"] == web["spec"]["rules"][0]["host"]


def test_services_and_policies_select_the_right_pods() -> None:
    web = obj("Deployment", "assistant-web")
    service = obj("Service", "assistant-web")
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert web["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    port_names = {p["name"] for p in web["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    actions_policy, rasa_policy = obj("NetworkPolicy", "assistant-actions"), obj("NetworkPolicy", "assistant-rasa")
    assert actions_policy["spec"]["podSelector"]["matchLabels"].items() <= ACTIONS["podLabels"].items()
    assert actions_policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"].items() <= \
        RASA["podLabels"].items()
    assert actions_policy["spec"]["ingress"][0]["ports"][0]["port"] == ACTIONS["applicationSettings"]["port"]
    assert rasa_policy["spec"]["podSelector"]["matchLabels"].items() <= RASA["podLabels"].items()
    sources = [s.get("podSelector", {}).get("matchLabels", {}) for s in rasa_policy["spec"]["ingress"][0]["from"]]
    assert any(s.items() <= pod_labels.items() for s in sources if s)  # the page servers push through the API


def test_every_config_reference_exists() -> None:
    data = obj("ConfigMap", "assistant-config")["data"]
    for source in (OBJECTS, RASA, ACTIONS):
        for ref in refs(source, "configMapKeyRef"):
            assert ref["name"] == "assistant-config" and ref["key"] in data, ref
    assert set(data) <= product_env_names()


def documented_secret_keys() -> List[str]:
    return re.findall(r"--from-literal=([a-z0-9-]+)=", (DEPLOY / "README.md").read_text(encoding="utf-8"))


def used_secret_keys() -> set:
    keys = {ref["key"] for source in (OBJECTS, RASA, ACTIONS) for ref in refs(source, "secretKeyRef")}
    return keys | {RASA["redis"]["existingSecretPasswordKey"]}


def test_secrets_come_only_from_the_secret() -> None:
    for source in (OBJECTS, RASA, ACTIONS):
        for entry in env_entries(source):
            if entry["name"] in SECRET_ENV:
                assert "value" not in entry and entry["valueFrom"]["secretKeyRef"]["name"] == SECRET, entry
        for ref in refs(source, "secretKeyRef"):
            assert ref["name"] == SECRET
    assert RASA["redis"]["existingSecret"] == SECRET
    assert set(documented_secret_keys()) == used_secret_keys()


def spelled_out_secrets(node: Any, path: str = "") -> Iterator[str]:
    """Paths of scalars under a secret-sounding key that are neither empty nor a ${VARIABLE} nor a reference."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if (re.search(r"token|password|secret|aes", str(key), re.I) and key not in SECRET_NAME_KEYS
                    and not isinstance(value, (dict, list)) and value not in (None, "")
                    and not re.fullmatch(r"\$\{[A-Z_]+\}", str(value))):
                yield where
            yield from spelled_out_secrets(value, where)
    elif isinstance(node, list):
        for n, item in enumerate(node):
            yield from spelled_out_secrets(item, f"{path}[{n}]")
    elif isinstance(node, str) and re.search(r"://[^/@\s]+:[^/@\s]+@", node):  # a URL with a password
        yield path


def test_no_file_spells_a_secret_out() -> None:
    for name, source in (("assistant.yaml", OBJECTS), ("rasa.values.yaml", RASA),
                         ("rasa-action-server.values.yaml", ACTIONS)):
        assert list(spelled_out_secrets(source)) == [], name


def test_a_spelled_out_secret_and_an_undocumented_key_are_caught() -> None:
    bad = copy.deepcopy(RASA)
    bad["applicationSettings"]["token"] = "rasaToken"
    bad["extraEnv"].append({"name": "X", "value": "postgresql://assistant:hunter2@pg:5432/assistant"})
    last = len(bad["extraEnv"]) - 1
    assert list(spelled_out_secrets(bad)) == [".applicationSettings.token", f".extraEnv[{last}].value"]
    bad["extraEnv"].append({"name": "Y", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "smtp-password"}}})
    keys = {ref["key"] for ref in refs(bad, "secretKeyRef")}
    assert "smtp-password" in keys - set(documented_secret_keys())
