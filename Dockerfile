# The agent's image: `seldenrijk api` and `seldenrijk worker` (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    MODEL_CACHE_DIR=/app/model-cache

WORKDIR /app

# Dependencies first, from pyproject alone, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Editable install: config.py finds dealer.yaml and the API its static page next to the code.
COPY . .
# The rules engine's second opinion is trained here, once, so the worker and CLI start by loading it.
RUN pip install --no-deps -e . \
    && python -c "from agents.rules.classifier import classifier; classifier()" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin seldenrijk \
    && mkdir -p /data \
    && chown seldenrijk /data

USER seldenrijk
VOLUME ["/data"]
EXPOSE 8000 9000 9464

ENTRYPOINT ["seldenrijk"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
