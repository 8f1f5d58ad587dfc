"""The model lifecycle (issue #9): versions trained in the background, evaluated on the held-out set,
gated, activated with no failed request and rolled back — from ``python -m bot model`` and ``/admin/models``.

``store`` (versions on disk, the active record), ``trainer`` and ``job`` (training, one at a time),
``evaluation`` (``rasa test nlu``), ``lifecycle`` (gate, activate, rollback, audit), ``forwarder`` and
``embedded`` (switching in ``make run``), ``haproxy_api`` (switching in ``make run-scaled``), ``serving``
(how the command line learns that the running assistant answers with the new model).
"""
