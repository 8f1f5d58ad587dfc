"""The 12345 router (issue #12): message type (投诉求助 / 建言 / 咨询) and handling department of a
citizen's message, with a confidence; below the model's threshold a work order goes to manual triage.

``features`` (text, character features, the baseline, the calibrated ``Router``), ``model`` (the SVM
over whole messages and their sentences), ``data`` (labelled spreadsheets), ``folds`` (grouped
cross-validation folds), ``train`` (cross-validation, temperature, threshold, evaluation beside the
baseline, ``tune``), ``store`` (versions and ACTIVE), ``router`` (``route()``), ``ensure`` (the shipped
sample models), ``cli`` (``python -m bot routing …``). README.md in this directory explains the choices.
"""
