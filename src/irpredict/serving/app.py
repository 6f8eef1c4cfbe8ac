"""A lean ASGI app answering MLflow's scoring protocol with the registered pyfunc.

Routes (as ``mlflow models serve``): ``GET /ping`` and ``GET /health`` (200
once the model is loaded), ``GET /version``, and ``POST /invocations`` with a
JSON body ``{"dataframe_split": {"columns": [...], "data": [[...], ...]}}``,
``{"dataframe_records": [{...}, ...]}``, ``{"inputs": ...}`` or ``{"instances": ...}``,
or a ``text/csv`` body (a header row, then one row per patient).
The answer is
``{"predictions": [{"prob_response": ..., "therapy_class": ..., "base_value":
..., "explained_log_odds": ..., "shap__<biomarker>": ..., ...}, ...]}`` (led by
``"patient_id"`` when the request sent the patients' ids), plus ``"warnings": [...]`` when
an input needs a word (a category level never seen in training). Bad requests get status 400
and ``{"error_code": "BAD_REQUEST", "message": "..."}`` (415 and
``UNSUPPORTED_MEDIA_TYPE`` for any other Content-Type);
the server keeps serving. Each request parses the JSON once, builds one
DataFrame, runs one checked prediction with explanations and encodes one JSON
answer.
"""

import json
import re

from irpredict.serving.payload import BadRequest, parse_csv, parse_payload

__all__ = ["ScoringApp", "load_served_model", "single_threaded"]

_JSON = [(b"content-type", b"application/json")]
_MEDIA_TYPES = ("application/json", "text/csv")
#: Largest /invocations body accepted (about 25,000 patients of 250 features as records).
MAX_BODY_BYTES = 64 * 2**20
#: Bodies above this size are scored in a worker thread, so that ``/ping`` and small requests
#: are answered while a large batch is parsed and scored (a liveness probe would time out).
THREAD_BODY_BYTES = 2**20


def single_threaded(estimator):
    """Set every XGBoost model inside ``estimator`` to one thread (in place).

    A server answers small requests one at a time; thread start-up costs
    more than it saves there.

    Parameters
    ----------
    estimator : object
        A fitted classifier, Pipeline, per-therapy or averaging model.

    Returns
    -------
    int
        How many XGBoost models were changed.
    """
    from xgboost import XGBModel

    seen, todo, count = set(), [estimator], 0
    while todo:
        obj = todo.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, XGBModel):
            obj.set_params(n_jobs=1)
            count += 1
            continue
        for name in ("estimators_", "pooled_estimator_", "estimator_", "estimator",
                     "calibrated_classifiers_", "steps"):
            child = getattr(obj, name, None)
            if isinstance(child, dict):
                todo.extend(child.values())
            elif isinstance(child, list | tuple):
                todo.extend(c[1] if isinstance(c, tuple) else c for c in child)
            elif child is not None and not isinstance(child, str | int | float):
                todo.append(child)
    return count


def load_served_model(model_uri, *, tracking_uri=None):
    """Load the registered pyfunc behind ``model_uri`` for serving.

    Parameters
    ----------
    model_uri : str
        ``models:/<name>@<alias>``, ``models:/<name>/<version>``,
        ``models:/m-<id>``, ``runs:/<run>/model`` or a local model folder.
    tracking_uri : str or None

    Returns
    -------
    irpredict.serving.pyfunc.IRPredictModel
        Loaded, with XGBoost limited to one thread.
    """

    from irpredict._artifacts import load_pyfunc
    from irpredict.tracking.registry import loading_from
    from irpredict.tracking.resolve import locate_model
    from irpredict.tracking.store import quiet_mlflow
    from irpredict.training.publish import response_model_of

    quiet_mlflow()
    uri, store = locate_model(model_uri, tracking_uri=tracking_uri)
    with loading_from(store):
        pyfunc = load_pyfunc(uri, model_uri)
    python_model = pyfunc.unwrap_python_model()
    response_model_of(python_model, model_uri)  # a clear error for a landmark bundle
    single_threaded(python_model.model.classifier)
    python_model.compiled_ = _compile(python_model, pyfunc)
    return python_model


def _compile(python_model, pyfunc):
    """The verified arrays-only path for this model, or None."""
    import numpy as np
    import pandas as pd

    from irpredict.serving._fast import CompiledModel
    from irpredict.serving.validation import check_input

    model = python_model.model
    probe = pd.DataFrame({c: pd.Series([np.nan] * len(model.therapies), dtype=object)
                          for c in model.feature_columns})
    probe["therapy_class"] = list(model.therapies)
    ignored = []  # the probe is all-missing on purpose: its notes are not the user's
    frames = [check_input(model, probe, ignored)]
    example = pyfunc.input_example
    rule = getattr(getattr(model, "mapping", None), "therapy_rule", None)
    if isinstance(example, pd.DataFrame) and len(example):
        if rule is not None and rule.column in example.columns:
            # the rule's column (a feature too) sets each row's class: the example as logged
            frames.append(check_input(model, example, ignored))
        else:
            for therapy in model.therapies:
                frames.append(check_input(model, example.assign(therapy_class=therapy),
                                          ignored))
    checked = pd.concat(frames, ignore_index=True)
    return CompiledModel.build(model, python_model.biomarkers_, checked)


#: Columns of a request echoed beside each prediction, so that a batch's answers can be matched.
ID_COLUMNS = ("patient_id",)


def _with_ids(model, frame, out, notes=None):
    """Put the request's patient ids first in each prediction, when the request sent them."""
    mapping = getattr(model, "mapping", None)
    names = [*ID_COLUMNS, *([mapping.id] if getattr(mapping, "id", None) else [])]
    column = next((c for c in names if c in frame.columns), None)
    if column is None or "patient_id" in out.columns:
        return out
    ids = frame[column].reindex(out.index)
    nested = ids.map(lambda v: isinstance(v, (list, dict))).to_numpy(dtype=bool)
    if nested.any():
        raise BadRequest(f"column {column!r} holds lists or objects in rows "
                         f"{', '.join(map(str, ids.index[nested][:5]))}; send one id (text or "
                         "a number) per patient")
    repeated = ids[ids.notna() & ids.duplicated(keep=False)]
    if len(repeated) and notes is not None:
        shown = [str(v) for v in dict.fromkeys(repeated)][:5]
        notes.append(f"{len(repeated)} predictions share a patient id with another one in this "
                     f"request ({', '.join(shown)}); each row is scored as sent")
    return out.assign(patient_id=ids.map(lambda v: None if v is None or v != v else str(v))
                      )[["patient_id", *out.columns]]


def _counted_from_1(message):
    """Say how rows are numbered (a JSON list's first record is row 1)."""
    if re.search(r"\brows? \d", message):
        return f"{message} (rows are numbered from 1, in the order sent)"
    return message


def _refuse_booleans_in_numbers(model, frame):
    """``"age": true`` would be read as 1: a JSON boolean in a numeric column is refused,
    unless the column is a 0/1 flag in training and every value sent is true, false or null
    (then true/false read as 1/0, as the same words written as text do)."""
    import numpy as np

    categorical = set(model.categorical_columns)
    ranges = getattr(model, "numeric_ranges", None) or {}
    for col in model.feature_columns:
        if col in categorical or col not in frame.columns or frame[col].dtype != object:
            continue
        flags = frame[col].map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
        if not flags.any():
            continue
        low, high = ranges.get(col, (np.nan, np.nan))
        flag_column = bool(low >= 0 and high <= 1)
        if flag_column and (flags | frame[col].isna().to_numpy(dtype=bool)).all():
            frame[col] = frame[col].map(lambda v: float(v) if isinstance(v, bool) else np.nan)
            continue
        shown = frame.index[flags]
        rows = (f"row {shown[0]} holds" if len(shown) == 1
                else f"rows {', '.join(map(str, shown[:5]))} hold")
        why = ("true/false are read for a 0/1 column only when every value is true, false "
               "or null" if flag_column else f"it is not a 0/1 flag (training range "
               f"{low:g} to {high:g})")
        raise BadRequest(f"column {col!r} must be numeric; {rows} true/false and "
                         f"{why}. Send numbers (1/0 for yes/no flags)")


def _encode(frame, notes=()):
    """``{"predictions": [...]}`` (and ``"warnings"`` when there are any) as bytes, NaN as null."""
    columns = [str(c) for c in frame.columns]
    cells = frame.to_numpy(dtype=object)
    cells[frame.isna().to_numpy()] = None  # null in JSON, never the text NaN
    records = [dict(zip(columns, row, strict=True)) for row in cells.tolist()]
    answer = {"predictions": records}
    if notes:
        answer["warnings"] = list(notes)
    return json.dumps(answer, allow_nan=False).encode()


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive):
    """The request body, or None once it passes :data:`MAX_BODY_BYTES` (the rest is drained)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks) if size <= MAX_BODY_BYTES else None


def _declared_length(scope):
    """The request's Content-Length header as a number (None when absent or not a number)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.strip().isdigit() else None
    return None


def _media_type(scope):
    """The request's Content-Type without parameters, lower case ('' when absent)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


class ScoringApp:
    """ASGI application scoring requests with a loaded :class:`IRPredictModel`.

    Parameters
    ----------
    python_model : irpredict.serving.pyfunc.IRPredictModel
        Loaded (``.model`` set), e.g. by :func:`load_served_model`.
    model_uri : str, default=""
        Shown by ``GET /version``.
    source : dict or None, default=None
        The registered version and run ``model_uri`` stood for when the server started
        (:func:`irpredict.tracking.resolve.model_provenance`), shown by ``GET /version``.
    """

    def __init__(self, python_model, model_uri="", source=None):
        self.python_model = python_model
        self.model_uri = model_uri
        self.source = dict(source or {})

    def version_info(self):
        """What ``GET /version`` answers."""
        from irpredict import __version__

        model = self.python_model.model
        calibration = getattr(model.classifier, "method", "none")
        return {"irpredict": __version__, "model_uri": self.model_uri, **self.source,
                "study": model.study,
                "feature_set": model.feature_set, "family": model.family,
                "therapies": list(model.therapies), "calibration": calibration,
                "shap_adds_up_to": ("logit(prob_response)" if calibration == "none" else
                                    f"the log-odds before {calibration} calibration, which "
                                    "maps them to prob_response"),
                "compiled": getattr(self.python_model, "compiled_", None) is not None}

    def _invocations(self, request, media):
        if request is None:
            return 413, json.dumps({
                "error_code": "REQUEST_TOO_LARGE",
                "message": f"the request body is over {MAX_BODY_BYTES // 2**20} MiB; send the "
                           "patients in smaller batches"}).encode()
        if media not in _MEDIA_TYPES:
            return 415, json.dumps({
                "error_code": "UNSUPPORTED_MEDIA_TYPE",
                "message": f"the request's Content-Type is {media or 'missing'}; send JSON "
                           "with the header 'Content-Type: application/json' (or a CSV table "
                           "with 'Content-Type: text/csv')"}).encode()
        return self.score(request, media)

    def _other(self, method, path):
        if path in ("/ping", "/health") and method in ("GET", "HEAD"):
            return 200, b"" if method == "HEAD" else b"\n"  # a HEAD answer has no body
        if path == "/version" and method == "GET":
            return 200, json.dumps(self.version_info()).encode()
        if path in ("/invocations", "/ping", "/health", "/version"):
            allowed = "POST" if path == "/invocations" else (
                "GET or HEAD" if path in ("/ping", "/health") else "GET")
            return 405, json.dumps({"error_code": "METHOD_NOT_ALLOWED",
                                    "message": f"{path} answers {allowed}, not {method}"}).encode()
        return 404, json.dumps({"error_code": "ENDPOINT_NOT_FOUND",
                                "message": f"no route {method} {path}"}).encode()

    def score(self, body, media="application/json"):
        """Status and JSON bytes answering an ``/invocations`` body.

        Parameters
        ----------
        body : bytes
        media : {"application/json", "text/csv"}, default="application/json"
            The request's Content-Type.
        """
        from irpredict.exceptions import IRPredictError
        from irpredict.serving.pyfunc import explained_biomarkers, predict_explained

        model = self.python_model
        biomarkers = getattr(model, "biomarkers_", None)
        if biomarkers is None:
            biomarkers = model.biomarkers_ = explained_biomarkers(model.model)
        notes = []
        try:
            if body[:2] == b"\x1f\x8b":
                raise BadRequest("the request body is gzip-compressed; send it uncompressed")
            if media == "text/csv":
                frame = parse_csv(body)
            else:
                frame = parse_payload(body)
                if b"true" in body or b"false" in body:  # JSON booleans are rare: look only then
                    _refuse_booleans_in_numbers(model.model, frame)
            out = predict_explained(model.model, frame, biomarkers,
                                    getattr(model, "compiled_", None), notes)
            out = _with_ids(model.model, frame, out, notes)
        except (BadRequest, IRPredictError, ValueError, TypeError, KeyError) as exc:
            return 400, json.dumps({"error_code": "BAD_REQUEST",
                                    "message": _counted_from_1(str(exc))}).encode()
        return 200, _encode(out, [_counted_from_1(note) for note in notes])

    async def __call__(self, scope, receive, send):
        """Answer one HTTP request (lifespan events are acknowledged)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"].rstrip("/") or "/"
        if path == "/invocations" and method == "POST":
            declared = _declared_length(scope)  # too large: refused before it arrives
            request = (None if declared is not None and declared > MAX_BODY_BYTES
                       else await _read_body(receive))
            if request is not None and len(request) > THREAD_BODY_BYTES:
                import asyncio

                status, body = await asyncio.to_thread(self._invocations, request,
                                                       _media_type(scope))
            else:
                status, body = self._invocations(request, _media_type(scope))
        else:
            status, body = self._other(method, path)
        await send({"type": "http.response.start", "status": status,
                    "headers": [*_JSON, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def serve(model_uri, *, host="127.0.0.1", port=5055, tracking_uri=None, log_level="warning",
          on_ready=None):
    """Load ``model_uri`` and serve it with uvicorn (one worker) until stopped.

    Parameters
    ----------
    model_uri : str
    host : str, default="127.0.0.1"
    port : int, default=5055
    tracking_uri : str or None
    log_level : str, default="warning"
    on_ready : callable or None, default=None
        Called without arguments once the model is loaded and the port checked,
        just before the server starts (e.g. to say where it listens).
    """
    import warnings

    import pandas as pd
    import uvicorn

    # Column labels as plain object strings: the arrow-backed default costs about half of a
    # single-patient request in index construction. Server process only; the option is
    # deprecated in pandas 3 and ignored where it no longer exists.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.set_option("future.infer_string", False)
        except (KeyError, ValueError, pd.errors.OptionError):
            pass
    # the port is taken before the model loads and held until the server listens on it: a
    # taken port fails in a second, and no other process can take it meanwhile
    sock = _bind(host, port)
    try:
        from irpredict.tracking.resolve import model_provenance

        app = ScoringApp(load_served_model(model_uri, tracking_uri=tracking_uri), model_uri,
                         model_provenance(model_uri, tracking_uri=tracking_uri))
        if on_ready is not None:
            on_ready()
        config = uvicorn.Config(app, host=host, port=port, workers=1, log_level=log_level,
                                access_log=False, lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _bind(host, port):
    """A socket bound to ``host:port``, or a clear error (taken, bad address)."""
    import socket

    from irpredict.exceptions import IRPredictError

    sock = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)  # only a listening socket keeps another server off the port
        return sock
    except (OSError, OverflowError) as exc:
        if sock is not None:
            sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise IRPredictError(f"cannot listen on {host}:{port}: {reason}; choose another --port "
                             "(or --host)") from exc
