"""The plain FastAPI app a user would write to serve the demo model (bench_server.py's peer).

FastAPI routes, the CSV body parsed by hand, XGBoost's public ``inplace_predict`` on the same
booster with the endpoint's settings (one thread per prediction); no data capture.
``MODEL_PATH`` names the model.tar.gz. Run as uvicorn runs it by default
(uvloop and httptools when installed): ``uvicorn bench.fastapi_app:app``.
"""

import os
import sys
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.serving.model import load_model  # noqa: E402

booster = load_model(os.environ["MODEL_PATH"]).booster
app = FastAPI()


@app.get("/ping")
def ping() -> Response:
    return Response(status_code=200)


@app.post("/invocations")
async def invocations(request: Request) -> Response:
    body = (await request.body()).decode("utf-8")
    rows = np.array([[float(v) if v else np.nan for v in line.split(",")]
                     for line in body.splitlines() if line.strip()], dtype=np.float32)
    scores = booster.inplace_predict(rows)
    return Response("\n".join(repr(float(s)) for s in scores), media_type="text/csv")
