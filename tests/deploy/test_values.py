"""deploy/rasa.values.yaml and deploy/rasa-action-server.values.yaml against Rasa's charts and this project.

Tried: every key is one of the charts' (tests/deploy/chart_keys.py); the endpoints and credentials the Rasa chart
renders from them equal endpoints.scaled.yml's stores and credentials.yml's channels (no chart default left
in the tracker store, which our store would not take); the command lines are bot.runner's with the chart's
paths (no --auth-token, no --jwt-secret); the action URL reaches the action chart's Service; the Deployments
the charts would make are valid Kubernetes (strict schemas); every environment variable set is one the product
reads. Bad input: a misspelt key, a map where the chart has a single value, a tracker store that keeps the
chart's default url, and a Deployment with an unknown field are each caught.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict

import kubernetes_validate
import pytest
import yaml

from bot.runner import action_server_args, rasa_server_args
from tests.deploy.chart_keys import ACTION_SERVER_CHART, RASA_CHART
from tests.deploy.charts import (
    CHART_DEFAULT,
    PROJECT_ROOT,
    action_server_deployment,
    load,
    options,
    product_env_names,
    rasa_deployment,
    rendered_credentials,
    rendered_endpoints,
    unknown_keys,
)

K8S = "1.28.0"
RASA = load("rasa.values.yaml")
ACTIONS = load("rasa-action-server.values.yaml")
# set by the charts themselves, or read by Rasa / rasa_sdk rather than by our code
CHART_ENV = {"RASA_TELEMETRY_ENABLED", "MPLCONFIGDIR", "TF_CPP_MIN_LOG_LEVEL", "REDIS_HOST", "REDIS_PORT",
             "REDIS_PASSWORD", "ACTION_SERVER_URL", "RASA_TOKEN", "JWT_SECRET", "SANIC_HOST"}


def project_yaml(name: str) -> Any:
    return yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("values, chart", [(RASA, RASA_CHART), (ACTIONS, ACTION_SERVER_CHART)],
                         ids=["rasa", "rasa-action-server"])
def test_every_key_is_the_charts(values: Dict[str, Any], chart: Dict[str, Any]) -> None:
    assert unknown_keys(values, chart) == []


def test_a_misspelt_or_misshapen_key_is_caught() -> None:
    bad = copy.deepcopy(RASA)
    bad["replicasCount"] = 3
    bad["applicationSettings"]["endpoints"]["models"]["waitTimeBetweenPull"] = 5
    bad["service"]["port"] = {"number": 5005}
    assert unknown_keys(bad, RASA_CHART) == ["applicationSettings.endpoints.models.waitTimeBetweenPull",
                                             "service.port (a single value in the chart)", "replicasCount"]


def test_stores_are_the_scaled_profiles() -> None:
    rendered = rendered_endpoints(RASA)
    scaled = project_yaml("endpoints.scaled.yml")
    assert rendered["tracker_store"] == scaled["tracker_store"] == {"type": "bot.tracking.store.MaskingSQLTrackerStore"}
    lock = rendered["lock_store"]
    assert (lock["type"], lock["key_prefix"]) == (scaled["lock_store"]["type"], scaled["lock_store"]["key_prefix"])
    assert (lock["url"], lock["port"], lock["password"]) == ("${REDIS_HOST}", "${REDIS_PORT}", "${REDIS_PASSWORD}")
    assert "models" not in rendered  # not Rasa's pulling model server: it stalls the serving process
    assert CHART_DEFAULT not in [*rendered["tracker_store"].values(), *lock.values()]


def test_a_chart_default_left_in_the_tracker_store_is_caught() -> None:
    bad = copy.deepcopy(RASA)
    del bad["applicationSettings"]["endpoints"]["trackerStore"]["url"]
    assert rendered_endpoints(bad)["tracker_store"]["url"] == CHART_DEFAULT


def test_the_action_endpoint_reaches_the_action_servers_service() -> None:
    url = RASA["rasa-action-server"]["external"]["url"]
    port = ACTIONS["service"]["port"]
    host = ACTIONS["fullnameOverride"] + ("" if port == 80 else f":{port}")
    assert rendered_endpoints(RASA)["action_endpoint"] == {"url": "${ACTION_SERVER_URL}"}
    assert url == f"http://{host}{RASA['applicationSettings']['endpoints']['action']['endpointURL']}"
    assert url.endswith(project_yaml("endpoints.scaled.yml")["action_endpoint"]["url"].rsplit(":5055", 1)[1])


def test_channels_are_credentials_yml() -> None:
    def normal(channels: Dict[str, Any]) -> Dict[str, Any]:
        return {name: settings or {} for name, settings in channels.items()}

    assert normal(rendered_credentials(RASA)) == normal(project_yaml("credentials.yml"))


def test_rasa_runs_as_make_run_scaled_starts_it() -> None:
    runner = rasa_server_args(Path("/app/models/model.tar.gz"), "0.0.0.0", 5005, Path("/app/endpoints.yml"))
    ours = RASA["command"] + RASA["args"]
    assert ours[:3] == ["python", *runner[1:3]]  # python -m bot.rasa_server: the token from the environment
    mine, theirs = options(ours), options(runner)
    assert set(mine) == set(theirs) - {"--interface"}  # Rasa's default interface is every address of the pod
    assert "--auth-token" not in mine and "--jwt-secret" not in mine
    assert mine["--model"] == "/app/models/model.tar.gz"  # where the chart's init container downloads it
    assert (mine["--endpoints"], mine["--credentials"]) == ("/app/endpoints.yml", "/app/credentials.yml")
    assert mine["--port"] == str(RASA["applicationSettings"]["port"]) == str(RASA["service"]["port"])
    assert (PROJECT_ROOT / str(mine["--logging-config-file"])).exists()


def test_actions_run_as_make_run_scaled_starts_them() -> None:
    runner = action_server_args(ACTIONS["applicationSettings"]["port"])
    ours = ACTIONS["command"] + ACTIONS["args"]
    logging_file = options(ours)["--logging-config_file"]
    assert ours == ["python", *runner[1:-1], logging_file]
    assert (PROJECT_ROOT / str(logging_file)).exists()


@pytest.mark.parametrize("make", [rasa_deployment, action_server_deployment], ids=["rasa", "rasa-action-server"])
def test_the_charts_deployments_are_valid_kubernetes(make: Any) -> None:
    deployment = make(RASA if make is rasa_deployment else ACTIONS)
    assert kubernetes_validate.validate(deployment, K8S, strict=True)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    names = [entry["name"] for entry in container["env"]]
    assert len(names) == len(set(names)), "an environment variable set twice"
    strategy = deployment["spec"]["strategy"]["rollingUpdate"]
    assert (strategy["maxUnavailable"], strategy["maxSurge"]) == (0, 1)  # a new replica ready before an old goes


def test_a_deployment_with_an_unknown_field_is_caught() -> None:
    bad = rasa_deployment(RASA)
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S, strict=True)


def test_every_variable_set_is_one_the_product_reads() -> None:
    read = product_env_names()
    for values in (RASA, ACTIONS):
        for entry in values["extraEnv"]:
            assert entry["name"] in read | CHART_ENV, entry["name"]
