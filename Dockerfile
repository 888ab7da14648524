# Production image: gunicorn serving Moderato as a non-root user. Build: docker build -t moderato .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY service ./service
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir -c requirements.lock .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MODERATO_BIND=0.0.0.0:8000 \
    MODERATO_INSTANCE_DIR=/app/instance \
    MODERATO_HOME=/app
RUN useradd --create-home --uid 10001 moderato
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=moderato:moderato config ./config
COPY --chown=moderato:moderato models ./models
COPY --chown=moderato:moderato service ./service
RUN mkdir -p /app/instance && chown moderato:moderato /app/instance
USER moderato
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# With several replicas, run `moderato db upgrade` once as a release step instead.
CMD ["sh", "-c", "moderato db upgrade && exec moderato serve"]
