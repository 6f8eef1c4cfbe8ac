"""`irpredict serve`: the registered model over MLflow's /invocations protocol."""

import typer

__all__ = ["command"]


def command(
    model: str = typer.Option(..., "--model",
                              help="Model URI, e.g. models:/transneo@champion.",
                              show_default=False),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind (0.0.0.0 exposes the server to the network)."),
    port: int = typer.Option(5055, "--port", min=1, max=65535, help="Port to listen on."),
    tracking_uri: str = typer.Option(
        None, "--tracking-uri",
        help="MLflow tracking URI (default sqlite:///mlruns/mlflow.db in the current folder, "
             "or MLFLOW_TRACKING_URI)."),
):
    """Serve a registered model: probability of response and SHAP values per biomarker.

    Answers GET /ping, /health and /version and POST /invocations with a JSON body
    {"dataframe_split": {"columns": [...], "data": [[...]]}} or {"dataframe_records": [...]}.

    Example (models/reference ships a request body):

    \b
        irpredict serve --model models/reference --port 5055
        curl -X POST localhost:5055/invocations \\
            -H 'Content-Type: application/json' \\
            -d @models/reference/serving_input_example.json
    """
    from rich.console import Console

    from irpredict.serving.app import serve

    def announce():
        Console(stderr=True).print(f"serving [bold]{model}[/bold] on http://{host}:{port} "
                                   "(POST /invocations; Ctrl+C stops)")

    try:
        serve(model, host=host, port=port, tracking_uri=tracking_uri, on_ready=announce)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: how a server is meant to stop
        from irpredict._interrupts import SIGNALLED

        SIGNALLED.clear()  # a stopped server exits 0, not as a run cut short
        Console(stderr=True).print("server stopped")
