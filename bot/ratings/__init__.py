"""好差评: residents rate an answer or a staff conversation; 差评 open a follow-up (整改).

Follows 国办发〔2019〕51号 (政务服务"好差评"制度) and GB/T 39734-2020: five levels, a reason
for a bad rating, and a staff follow-up within a deadline counted in working days.

:mod:`.levels` is the vocabulary (levels, reasons, buttons; no Rasa, so the web process can
import it), :mod:`.models` the tables, :mod:`.store` the one interface to them (plain
dataclasses out), :mod:`.api` the desk's JSON endpoints.
"""
