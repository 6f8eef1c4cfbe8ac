"""The ``[data]`` section of an experiment file: where its cohort comes from."""

from dataclasses import dataclass
from pathlib import Path

from irpredict._paths import resolve_path
from irpredict.data._spec import check_keys, get
from irpredict.exceptions import ExperimentConfigError

__all__ = ["DataSpec", "parse_data", "replace_mapping"]

_SIMULATE_KEYS = ("simulate", "label", "columns", "response_derived_biomarkers",
                  "response_label")
_FOLDER_KEYS = ("folder", "label", "columns", "response_derived_biomarkers", "response_label",
                "follow_up")


@dataclass(frozen=True)
class DataSpec:
    """Where an experiment's cohort comes from.

    Parameters
    ----------
    mapping : ColumnMapping
        How the source columns map onto the data model.
    source : pathlib.Path or None
        The wide patients table (absolute), or ``None`` for a simulated cohort or a
        cohort folder.
    simulate : dict or None
        ``{"patients": int, "seed": int, "class_mix": dict or None}`` for a
        simulated cohort (``class_mix``: share of patients per therapy class;
        ``None`` = the simulator's default mix).
    source_text : str or None
        The source (or folder) exactly as written in the file (for messages).
    folder : pathlib.Path or None
        A cohort folder in irpredict's tables (``patients``, ``measurements``,
        ``tumor_assessments``; absolute), as ``irpredict simulate`` writes it.
    sheet : str or None
        The sheet of an Excel ``source`` that holds the patients table.
    response_label : dict or None
        ``[data.response_label]``: the label derived from tumour assessments
        (:func:`irpredict.response.cohort_label.parse_response_label`).
    follow_up : tuple of irpredict.data.follow_up.FollowUp
        ``[data.follow_up]``: progression and death days from survival columns.
    """

    mapping: object
    source: Path | None = None
    simulate: dict | None = None
    source_text: str | None = None
    folder: Path | None = None
    sheet: str | None = None
    response_label: dict | None = None
    follow_up: tuple = ()


def _class_mix(sim, *, where):
    """The optional ``class_mix`` of ``[data] simulate``: therapy class -> share (> 0 in total)."""
    mix = get(sim, "class_mix", "dict[str,number]", where=where)
    if mix is None:
        return None
    from irpredict.data.simulator._latent import check_class_mix
    from irpredict.data.simulator._params import DEFAULT_CLASS_MIX
    from irpredict.exceptions import IRPredictError

    try:
        return check_class_mix(mix, DEFAULT_CLASS_MIX)
    except IRPredictError as exc:
        raise ExperimentConfigError(f"{where} {exc}.") from None


def parse_data(data, path, anchor):
    from irpredict.data._parse import MAPPING_KEYS
    from irpredict.data.mapping import ColumnMapping

    where = f"{path} [data]"

    def resolve(text):
        return resolve_path(text, anchor, where)

    from irpredict.data.follow_up import parse_follow_up
    from irpredict.response.cohort_label import parse_response_label

    follow_up = parse_follow_up(get(data, "follow_up", "dict", where=where),
                                where=f"{path} [data.follow_up]")

    label_rule = parse_response_label(get(data, "response_label", "dict", where=where),
                                      where=f"{path} [data.response_label]")
    if label_rule is not None and "source" in data and "label" in data:
        raise ExperimentConfigError(
            f"{where} names a label column and derives one ([data.response_label]); keep one.")
    given = [key for key in ("source", "simulate", "folder") if key in data]
    if len(given) > 1:
        raise ExperimentConfigError(f"{where} sets {'both ' if len(given) == 2 else ''}"
                                    f"{' and '.join(repr(k) for k in given)}; keep one.")
    if "folder" in data:
        check_keys(data, _FOLDER_KEYS, where=where)
        text = get(data, "folder", "str", where=where)
        return DataSpec(mapping=_exclude_follow_up(_canonical_mapping(data, where, resolve),
                                                   follow_up),
                        folder=resolve(text), source_text=text, response_label=label_rule,
                        follow_up=follow_up)
    if "simulate" in data:
        check_keys(data, _SIMULATE_KEYS, where=where)
        sim = get(data, "simulate", "dict", where=where)
        check_keys(sim, ("patients", "seed", "class_mix"), where=f"{where} simulate")
        patients = get(sim, "patients", "int", where=f"{where} simulate", required=True)
        seed = get(sim, "seed", "int", where=f"{where} simulate", default=0)
        from irpredict.data.cohort import MAX_SIMULATED_PATIENTS

        if not 1 <= patients <= MAX_SIMULATED_PATIENTS:
            raise ExperimentConfigError(
                f"{where} simulate.patients must be between 1 and {MAX_SIMULATED_PATIENTS:,} "
                f"(got {patients:,}).")
        class_mix = _class_mix(sim, where=f"{where} simulate")
        return DataSpec(mapping=_canonical_mapping(data, where, resolve),
                        simulate={"patients": patients, "seed": seed, "class_mix": class_mix},
                        response_label=label_rule)
    own = ("source", "sheet", "response_label", "follow_up")
    check_keys(data, own + MAPPING_KEYS, where=where)
    text = get(data, "source", "str", where=where, required=True)
    mapping_keys = {k: v for k, v in data.items() if k not in own}
    mapping = _exclude_follow_up(ColumnMapping.from_dict(mapping_keys, where=where,
                                                         resolve=resolve), follow_up)
    return DataSpec(mapping=mapping, source=resolve(text), source_text=text,
                    sheet=get(data, "sheet", "str", where=where), response_label=label_rule,
                    follow_up=follow_up)


def _exclude_follow_up(mapping, follow_up):
    """The survival columns of ``[data.follow_up]`` are outcomes: never features or criteria."""
    named = [c for item in follow_up for c in (item.time, item.event)]
    extra = tuple(c for c in dict.fromkeys(named) if c not in mapping.exclude)
    return replace_mapping(mapping, exclude=tuple(mapping.exclude) + extra) if extra else mapping


def _canonical_mapping(data, where, resolve):
    """The mapping of tables already in irpredict's columns (simulated, or a cohort folder):
    only ``[data.columns]`` and the response-derived biomarkers are read."""
    from irpredict.data.mapping import ColumnMapping

    label = get(data, "label", "str", where=where, default="response", choices=["response"])
    spec = {"id": "patient_id", "therapy_class": "chemotherapy",  # replaced: tables carry it
            "columns": data.get("columns", {}),
            "response_derived_biomarkers": data.get("response_derived_biomarkers", [])}
    mapping = ColumnMapping.from_dict(spec, where=where, resolve=resolve)
    return replace_mapping(mapping, therapy_class=None, label=label)


def replace_mapping(mapping, **changes):
    from dataclasses import replace

    return replace(mapping, **changes)
