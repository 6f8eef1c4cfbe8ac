"""The small simulated study that CLI tests train: one experiment-file writer for all of them.

The cohort is simulated from the file itself (``[data] simulate``), so a test
needs no data folder; the ``[model]`` budget is tiny (3 outer x 2 inner folds,
few bootstrap resamples) so that ``irpredict train`` takes seconds.
"""

#: The feature set most tests train: a few clinical columns and every measured biomarker.
CLINICAL_AND_MEASUREMENTS = ["age", "ecog", "liver_mets", "her2_ihc", "er_status",
                             "measurements:*"]


def _toml(value):
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def simulated_study(name, *, patients=300, seed=5, feature_sets=None, families=("logistic",),
                    final_feature_set=None, class_mix=None, data=None, extra="", **model):
    """Text of an experiment file for a small simulated study.

    Parameters
    ----------
    name : str
        Study name (also the registered model's name).
    patients, seed : int
        Passed to ``[data] simulate``.
    feature_sets : dict of str to list of str or None
        Default: ``{"on_treatment": CLINICAL_AND_MEASUREMENTS}``.
    families : sequence of str
        Model families; the first is the declared final family.
    final_feature_set : str or None
        Default: the last feature set.
    class_mix : dict or None
        ``[data] simulate.class_mix``.
    data : dict or None
        Extra ``[data]`` keys (e.g. ``response_derived_biomarkers``).
    extra : str
        Further TOML appended as is (e.g. a ``[monitoring]`` table).
    **model
        ``[model]`` keys overriding the tiny defaults (``outer_folds=3``,
        ``inner_folds=2``, ``n_bootstrap=20``).
    """
    feature_sets = feature_sets or {"on_treatment": CLINICAL_AND_MEASUREMENTS}
    simulate = {"patients": patients, "seed": seed}
    if class_mix:
        simulate["class_mix"] = class_mix
    settings = {"families": list(families), "outer_folds": 3, "inner_folds": 2,
                "n_bootstrap": 20, **model, "final_family": families[0],
                "final_feature_set": final_feature_set or list(feature_sets)[-1]}
    lines = ["[study]", f'name = "{name}"', 'description = "small simulated study"', "",
             "[data]", f"simulate = {_toml(simulate)}", 'label = "response"',
             *(f"{k} = {_toml(v)}" for k, v in (data or {}).items()), "",
             "[data.columns]", 'exclude = ["response_definition"]', "", "[feature_sets]",
             *(f"{k} = {_toml(v)}" for k, v in feature_sets.items()), "", "[model]",
             *(f"{k} = {_toml(v)}" for k, v in settings.items())]
    return "\n".join(lines) + "\n" + (f"\n{extra.strip()}\n" if extra else "")
