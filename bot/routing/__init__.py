"""The 12345 router (issue #12): message type (投诉求助 / 建言 / 咨询) and handling department of a
citizen's message, with a confidence; below the model's threshold a work order goes to manual triage.

``features`` (text and the two pipelines), ``data`` (labelled spreadsheets), ``train`` (cross-validation,
threshold, evaluation beside the baseline), ``store`` (versions and ACTIVE), ``router`` (``route()``),
``cli`` (``python -m bot routing …``). README.md in this directory explains the choices.
"""
