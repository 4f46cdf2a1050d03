# Clueline: `clueline serve` by default; the same image runs `clueline worker` and `clueline db upgrade`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The pinned dependencies first: a code change does not reinstall them. `--build-arg TEAMS_BACKEND=agents` adds
# the Microsoft 365 Agents SDK (CLUELINE_TEAMS_BACKEND=agents); the default image has botbuilder only.
ARG TEAMS_BACKEND=botbuilder
COPY requirements.lock requirements-agents.lock ./
RUN pip install -r requirements.lock \
    && if [ "$TEAMS_BACKEND" = "agents" ]; then pip install -r requirements-agents.lock; fi
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 --user-group clueline \
    && mkdir /data && chown clueline:clueline /data

USER clueline
# The working directory holds the default SQLite file (and its key) and an optional .env.
WORKDIR /data
ENV PORT=3978
EXPOSE 3978

# Liveness only: a database outage must not get the container restarted (readiness is /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '3978'), timeout=4)"]

CMD ["clueline", "serve"]
