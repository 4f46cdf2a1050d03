"""The OpenAI-compatible client behind `knowledge.dense.Embedder` (any server speaking /v1/embeddings)."""

from __future__ import annotations

from adapters.openai_client import async_client
from bot.settings import Settings

MODEL_SETTING = "CLUELINE_EMBEDDINGS_MODEL"
BASE_URL_SETTING = "CLUELINE_EMBEDDINGS_BASE_URL"
TIMEOUT_SECONDS = 30.0
BATCH_SIZE = 64


class OpenAIEmbedder:
    """Embeds texts with one model, BATCH_SIZE texts a request; errors propagate so callers can fall back."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float = TIMEOUT_SECONDS,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        # A question's own embedding is bounded by a much shorter wait in the knowledge store.
        self._client = async_client(api_key=api_key, base_url=base_url, timeout=timeout)

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            # The API refuses empty strings; an empty text gets a vector of a blank instead.
            batch = [text if text.strip() else " " for text in texts[start : start + self.batch_size]]
            # "float" rather than the client's default base64: more local servers speak it.
            response = await self._client.embeddings.create(
                model=self.model, input=batch, encoding_format="float"
            )
            ordered = sorted(response.data, key=lambda item: item.index)
            if len(ordered) != len(batch):
                raise ValueError(
                    f"the embeddings server returned {len(ordered)} vectors for {len(batch)} texts"
                )
            vectors.extend(list(item.embedding) for item in ordered)
        return vectors

    async def close(self) -> None:
        """Close the HTTP connections of the client."""
        await self._client.close()


def from_settings(settings: Settings) -> OpenAIEmbedder | None:
    """The configured embedder, or None when CLUELINE_EMBEDDINGS_MODEL is unset (dense retrieval off)."""
    model = settings.extra.get(MODEL_SETTING, "").strip()
    if not model:
        return None
    base_url = settings.extra.get(BASE_URL_SETTING, "").strip() or settings.openai_base_url
    return OpenAIEmbedder(model=model, api_key=settings.openai_api_key, base_url=base_url)
