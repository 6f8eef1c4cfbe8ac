"""A patient's predicted response along treatment: one probability per landmark
reached, and the biomarkers whose SHAP contribution moved most between landmarks.

At each landmark L a patient is scored only if L is reached (L is on or
before the patient's last observed day, or the caller's ``as_of`` day) and
the patient is in the landmark population at L (not progressed, still on
treatment); otherwise the row says why it is not scored. Each landmark's
model builds its features from rows dated on or before L only.
"""

from dataclasses import dataclass

import numpy as np

from irpredict.exceptions import CohortDataError
from irpredict.monitoring.observed import as_explained, observed_results, read_series
from irpredict.training.support import far_outside_training, warn_far_outside_training

__all__ = ["Trajectory", "monitor_cohort", "monitor_patient", "last_data_day"]


@dataclass
class Trajectory:
    """Landmark predictions of one or more patients.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per patient and landmark: ``patient_id``, ``therapy_class``,
        ``landmark``, ``reached`` (bool), ``in_population`` (bool, NA when
        not reached), ``status`` (``"scored"`` or why not), ``prob_response``
        (NaN when not scored), ``prob_change`` (vs the previous scored
        landmark) and ``base_value`` (the landmark model's log-odds before any
        biomarker: ``base_value`` plus the patient's ``shap`` values at that
        landmark is the log-odds of ``prob_response``; for a landmark model
        calibrated after training, ``[model] calibration``, it is the log-odds
        before calibration, which calibration maps to ``prob_response``) and
        ``far_outside_training`` (the features whose value lies far outside
        the landmark model's training range, where it extrapolates; empty
        when none).
    shap : pandas.DataFrame
        One row per scored patient, landmark and biomarker: ``patient_id``,
        ``landmark``, ``biomarker``, ``shap`` (log-odds) and ``delta_shap``
        (change since the patient's previous scored landmark; NaN at the
        first).
    observed : pandas.DataFrame or None
        The dated results behind the trajectory: ``patient_id``, ``biomarker``
        and ``day`` of every measurement (tumour scans as ``tumor_size``).
    series : tuple of str
        The biomarkers the landmark models read from measurements or scans.
    """

    table: object
    shap: object
    observed: object = None
    series: tuple = ()

    @property
    def patients(self):
        """Patient ids, in table order."""
        return self.table["patient_id"].drop_duplicates().tolist()

    def for_patient(self, patient_id):
        """The trajectory of one patient (an unknown id raises CohortDataError)."""
        pid = _find(patient_id, self.patients, "the monitored cohort")

        def mine(frame):
            return None if frame is None else frame[frame["patient_id"] == pid].reset_index(
                drop=True)

        return Trajectory(table=mine(self.table), shap=mine(self.shap),
                          observed=mine(self.observed), series=self.series)

    def what_changed(self, top=3):
        """The ``top`` biomarkers whose SHAP value moved most between consecutive scored landmarks.

        Returns
        -------
        pandas.DataFrame
            ``patient_id``, ``from_landmark``, ``landmark``, ``rank``,
            ``biomarker``, ``shap_before``, ``shap``, ``delta_shap`` and
            ``new_result`` (a result of that biomarker is dated after
            ``from_landmark`` and on or before ``landmark``; otherwise the move
            comes from the landmark's own model; NA without ``observed``) and
            ``imputed`` (a measured biomarker the patient has no result of up to
            ``landmark``: the model imputed it).
        """
        from numbers import Integral

        if isinstance(top, bool) or not isinstance(top, Integral) or top < 1:
            raise ValueError(f"top must be a whole number of biomarkers, 1 or more; got {top!r}")
        moved = self.shap.dropna(subset=["delta_shap"]).copy()
        moved["size"] = moved["delta_shap"].abs()
        moved = moved[moved["size"] >= MIN_MOVE]  # +0.00 is no mover
        moved = moved.sort_values(["patient_id", "landmark", "size", "biomarker"],
                                  ascending=[True, True, False, True], kind="stable")
        moved = moved.groupby(["patient_id", "landmark"], sort=False).head(top)
        moved["rank"] = moved.groupby(["patient_id", "landmark"]).cumcount() + 1
        moved["shap_before"] = moved["shap"] - moved["delta_shap"]
        moved["new_result"] = self._new_results(moved)
        moved["imputed"] = self._imputed(moved)
        return moved[["patient_id", "from_landmark", "landmark", "rank", "biomarker",
                      "shap_before", "shap", "delta_shap", "new_result",
                      "imputed"]].reset_index(drop=True)

    def _imputed(self, moved):
        """A measured biomarker with no result of the patient's on or before the landmark."""
        import pandas as pd

        if self.observed is None or not self.series:
            return pd.Series(False, index=moved.index)
        pairs = moved[["patient_id", "biomarker", "landmark"]].reset_index()
        dated = pairs.merge(self.observed, on=["patient_id", "biomarker"], how="left")
        dated["seen"] = dated["day"] <= dated["landmark"]
        seen = dated.groupby("index")["seen"].any().reindex(moved.index).fillna(False)
        return moved["biomarker"].isin(self.series) & ~seen.astype(bool)

    def _new_results(self, moved):
        import pandas as pd

        if self.observed is None:
            return pd.Series(pd.NA, index=moved.index, dtype="boolean")
        pairs = moved[["patient_id", "biomarker", "from_landmark", "landmark"]].reset_index()
        dated = pairs.merge(self.observed, on=["patient_id", "biomarker"], how="left")
        dated["new"] = (dated["day"] > dated["from_landmark"]) & (
            dated["day"] <= dated["landmark"])
        return dated.groupby("index")["new"].any().reindex(moved.index).astype("boolean")

    def movers_text(self, top=3, *, baseline=True):
        """Per patient and landmark, the top movers as text (``ctdna ↓ -0.84; crp ↑ +0.21``),
        followed by the landmark model's base-value shift when ``baseline``."""
        changed = self.what_changed(top)
        arrows = np.where(changed["delta_shap"] > 0, "↑", "↓")
        new = changed["new_result"].fillna(False).to_numpy(dtype=bool)
        imputed = changed["imputed"].to_numpy(dtype=bool)
        values = self._result_values(changed)
        changed["text"] = [
            f"{b} {a} {d:+.2f}{f' (new result{v})' if n else ''}"
            f"{' (no value: imputed)' if i else ''}"
            for b, a, d, n, i, v in zip(changed["biomarker"], arrows, changed["delta_shap"], new,
                                        imputed, values, strict=True)]
        text = changed.groupby(["patient_id", "landmark"])["text"].agg("; ".join)
        for key, shift in (self._baseline_shifts() if baseline else {}).items():
            part = f"model baseline {'↑' if shift > 0 else '↓'} {shift:+.2f}"
            text.loc[key] = f"{text[key]}; {part}" if key in text.index else part
        return text

    def _result_values(self, moved):
        """``: 117 → 45``: a mover's last value up to ``from_landmark`` and up to ``landmark``
        (the lab value's own direction, which the SHAP arrow does not give)."""
        import pandas as pd

        blank = [""] * len(moved)
        if self.observed is None or "value" not in self.observed.columns or moved.empty:
            return blank
        pairs = moved[["patient_id", "biomarker", "from_landmark", "landmark"]].reset_index()
        dated = pairs.merge(self.observed.dropna(subset=["value"]),
                            on=["patient_id", "biomarker"], how="inner")
        dated = dated.sort_values(["index", "day"], kind="stable")

        def last(mask):
            return dated[mask].groupby("index")["value"].last()

        before = last(dated["day"] <= dated["from_landmark"])
        now = last(dated["day"] <= dated["landmark"])
        out = []
        for i in moved.index:
            b, n = before.get(i, float("nan")), now.get(i, float("nan"))
            if pd.isna(n):
                out.append("")
            else:
                out.append(f": {_short(n)}" if pd.isna(b) else f": {_short(b)} → {_short(n)}")
        return out

    def _baseline_shifts(self):
        """Per (patient, landmark), the change of the landmark model's base value since the
        patient's previous scored landmark (the part of the move no biomarker explains)."""
        if "base_value" not in self.table.columns:
            return {}
        scored = self.table[self.table["status"] == "scored"].sort_values(
            ["patient_id", "landmark"], kind="stable")
        shift = scored.groupby("patient_id")["base_value"].diff()
        keep = shift.abs() >= MIN_MOVE
        return dict(zip(zip(scored.loc[keep, "patient_id"], scored.loc[keep, "landmark"],
                            strict=True), shift[keep], strict=True))


#: Smallest move of a biomarker's SHAP value (log-odds) named as a change: 0.00 when rounded.
MIN_MOVE = 0.005


def last_data_day(cohort):
    """Each patient's last observed day (NaN if none).

    Over measurements, tumour assessments and the treatment-end columns (a patient on
    treatment until day 30 was followed until then, whatever the last draw's day).
    """
    import pandas as pd

    ids = cohort.patients["patient_id"].astype(str)
    days = [t.assign(patient_id=t["patient_id"].astype(str)).groupby("patient_id")["day"].max()
            for t in (cohort.measurements, cohort.tumor_assessments) if t is not None and len(t)]
    from irpredict.monitoring.population import _off_treatment

    _, ended = _off_treatment(cohort)
    if ended is not None:
        days.append(ended.dropna())
    out = pd.Series(np.nan, index=pd.Index(ids.to_numpy(), name="patient_id"), name="last_day")
    if days:
        last = pd.concat(days, axis=1).max(axis=1)
        out = last.reindex(out.index).rename("last_day").astype(float)
    return out


def _close(query, ids, n=5):
    """Ids most similar to ``query`` (ties go to the longest common prefix)."""
    import difflib
    import os

    query = str(query)

    def key(candidate):
        ratio = difflib.SequenceMatcher(None, query, candidate).ratio()
        return -round(ratio, 6), -len(os.path.commonprefix([query, candidate])), candidate

    ranked = sorted((str(i) for i in ids), key=key)[:n]
    return [c for c in ranked if difflib.SequenceMatcher(None, query, c).ratio() >= 0.5]


def _find(patient_id, ids, where):
    ids = [str(i) for i in ids]
    for candidate in (str(patient_id), str(patient_id).strip()):  # a pasted id's spaces
        if candidate in ids:
            return candidate
    close = _close(patient_id, ids)
    hint = f"close matches: {', '.join(close)}" if close else f"e.g. {', '.join(ids[:3])}"
    raise CohortDataError(f"patient {patient_id!r} is not in {where} ({len(ids)} patients; "
                          f"{hint}); check the id (as written in the cohort's id column)")


def _score_landmark(models, cohort, landmark, members):
    """Probabilities, grouped SHAP values and base values of the population members at one
    landmark."""
    import pandas as pd

    from irpredict.explain import explain

    model = models.model_for(landmark)
    X, _ = model.frame_from_cohort(cohort)
    X = X.loc[X.index.astype(str).isin(members)]
    if len(X) == 0:
        return pd.Series(dtype=float), pd.DataFrame(), pd.Series(dtype=float), _no_far()
    prob = pd.Series(model.predict_proba(X)[:, 1], index=X.index.astype(str))
    explained = explain(model.classifier, X)
    values = explained.values
    values.index = values.index.astype(str)
    base = pd.Series(explained.base_values.to_numpy(dtype=float), index=values.index)
    far = far_outside_training(model, X.set_axis(X.index.astype(str))).assign(
        landmark=float(landmark))
    return prob, values, base, far


def _no_far():
    import pandas as pd

    return pd.DataFrame(columns=["patient_id", "feature", "value", "low", "high", "landmark"])


def _status(reached, member, reason, landmark, last_day, as_of):
    if member is False:
        return f"not in population: {reason}"
    if not reached:
        if as_of is not None:
            return f"not reached (after the as-of day {as_of:g})"
        end = "no data" if np.isnan(last_day) else f"data end on day {last_day:g}"
        return f"not reached ({end})"
    return "scored"


def monitor_cohort(models, cohort, *, as_of=None, patient_ids=None, progress=None):
    """Landmark trajectories of every patient (or the given ones) of a cohort.

    Parameters
    ----------
    models : irpredict.monitoring.LandmarkModels
    cohort : irpredict.data.Cohort
        The patients to monitor, with their data so far.
    as_of : float or None, default=None
        Day the monitoring looks from: landmarks after it are not reached.
        ``None`` uses each patient's last observed day (landmark 0 is always
        reached).
    patient_ids : list of str or None, default=None
        Restrict the output to these patients (their values are the same as in a run
        over the whole cohort: linear SHAP values are measured from each landmark
        model's training mean).
    progress : callable or None, default=None
        ``progress(done, total)`` after each landmark.

    Returns
    -------
    Trajectory
    """
    from irpredict.data.cohort import require_cohort

    _require_bundle(models, "monitor_cohort")
    require_cohort(cohort, "monitor_cohort(models, cohort)")
    if as_of is not None and not as_of >= 0:
        raise ValueError(f"as_of must be a day of treatment (0 or later); got {as_of!r}")
    import pandas as pd

    from irpredict.monitoring.population import landmark_population

    last = last_data_day(cohort)
    therapy = pd.Series(cohort.patients["therapy_class"].astype(str).to_numpy(), index=last.index)
    wanted = last.index if patient_ids is None else pd.Index(
        [_find(p, last.index, f"cohort {cohort.name!r}") for p in patient_ids])
    rows, shap_parts, far_parts = [], [], []
    for landmark in models.landmarks:
        pop = landmark_population(cohort, landmark)
        horizon = last.fillna(0.0).clip(lower=0.0) if as_of is None else pd.Series(
            float(as_of), index=last.index)
        reached = horizon >= landmark
        scored = reached & pop["in_population"].reindex(last.index)
        prob, values, base, far = _score_landmark(models, cohort, landmark,
                                                  set(scored.index[scored]))
        far = far[far["patient_id"].isin(wanted)]
        far_parts.append(far)
        far_named = far.groupby("patient_id")["feature"].agg(", ".join) if len(far) else {}
        for pid in wanted:
            # without as_of, a patient whose data end before L after progressing is shown as
            # progressed (membership at L only reads rows dated <= L)
            known = reached[pid] or (as_of is None and not pop.at[pid, "in_population"])
            member = bool(pop.at[pid, "in_population"]) if known else pd.NA
            rows.append({"patient_id": pid, "therapy_class": therapy[pid],
                         "landmark": float(landmark), "reached": bool(reached[pid]),
                         "in_population": member,
                         "status": _status(reached[pid], member, pop.at[pid, "reason"],
                                           landmark, last[pid], as_of),
                         "prob_response": float(prob.get(pid, np.nan)),
                         "base_value": float(base.get(pid, np.nan)),
                         "far_outside_training": far_named.get(pid, "")})
        if len(values):
            keep = values.loc[values.index.isin(wanted)]
            long = keep.rename_axis("patient_id").reset_index().melt(
                id_vars="patient_id", var_name="biomarker", value_name="shap")
            shap_parts.append(long.assign(landmark=float(landmark)))
        if progress is not None:
            progress(len(rows) // max(len(wanted), 1), len(models.landmarks))
    warn_far_outside_training(pd.concat(far_parts, ignore_index=True),
                              where=f"cohort {cohort.name!r}")
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("prob_response") + 1, "prob_change",
                 _change(table, "prob_response", ["patient_id"]))
    shap = _shap_changes(shap_parts, table)
    series = read_series(models)
    return Trajectory(table=table.sort_values(["patient_id", "landmark"], kind="stable")
                      .reset_index(drop=True), shap=shap,
                      observed=as_explained(observed_results(cohort, set(map(str, wanted))),
                                            series),
                      series=series)


def _change(frame, column, keys):
    """Change of ``column`` since the previous non-missing row of the same keys."""
    ordered = frame.sort_values([*keys, "landmark"], kind="stable")
    previous = ordered.groupby(keys)[column].transform(lambda s: s.ffill().shift(1))
    return (ordered[column] - previous).reindex(frame.index)


def _shap_changes(parts, table):
    import pandas as pd

    columns = ["patient_id", "landmark", "biomarker", "shap", "from_landmark", "delta_shap"]
    if not parts:
        return pd.DataFrame(columns=columns)
    shap = pd.concat(parts, ignore_index=True)
    scored = table.loc[table["status"] == "scored", ["patient_id", "landmark"]]
    scored = scored.sort_values(["patient_id", "landmark"], kind="stable")
    scored["from_landmark"] = scored.groupby("patient_id")["landmark"].shift(1)
    shap = shap.merge(scored, on=["patient_id", "landmark"], how="inner")
    # a biomarker absent from one landmark's model contributes 0 there
    wide = shap.pivot_table(index=["patient_id", "landmark"], columns="biomarker",
                            values="shap", aggfunc="first").fillna(0.0)
    before = wide.groupby(level="patient_id").shift(1)
    delta = (wide - before).stack().rename("delta_shap").reset_index()
    full = wide.stack().rename("shap").reset_index().merge(
        delta, on=["patient_id", "landmark", "biomarker"], how="left")
    full = full.merge(scored, on=["patient_id", "landmark"], how="left")
    full = full.sort_values(["patient_id", "landmark", "biomarker"], kind="stable")
    return full[columns].reset_index(drop=True)


def monitor_patient(models, cohort, patient_id, *, as_of=None):
    """One patient's landmark trajectory: probability per landmark reached, and what changed.

    The whole cohort is scored at each landmark; only the patient's rows are
    returned. Linear SHAP values are measured from each model's training mean,
    so they do not depend on the rest of the cohort.

    Parameters
    ----------
    models : irpredict.monitoring.LandmarkModels
    cohort : irpredict.data.Cohort
    patient_id : str
    as_of : float or None, default=None
        See :func:`monitor_cohort`.

    Returns
    -------
    Trajectory

    Raises
    ------
    CohortDataError
        If the patient is not in the cohort (naming close matches).
    """
    _require_bundle(models, "monitor_patient")
    ids = cohort.patients["patient_id"].astype(str).tolist()
    pid = _find(patient_id, ids, f"cohort {cohort.name!r}")
    return monitor_cohort(models, cohort, as_of=as_of, patient_ids=[pid])


def _require_bundle(models, what):
    if not hasattr(models, "models") or not hasattr(models, "landmarks"):
        raise TypeError(
            f"{what} takes the landmark models of fit_landmark_models (or the bundle `irpredict "
            f"landmarks` registers); got {type(models).__name__}. A ResponseModel of `irpredict "
            "train` scores one landmark: use its predict_proba")


def _short(value):
    """A value to 3 significant digits, never in exponent form below a million (4000, not
    4e+03)."""
    return f"{value:.3g}" if abs(value) < 1000 or abs(value) >= 1e6 else f"{value:.0f}"
