# syntax=docker/dockerfile:1
# MLflow tracking + registry server: Postgres backend store, artifacts proxied by the server.
#   docker build -f infra/docker/mlflow.Dockerfile -t ecom-mlflow .
# Pinned by tag; pin by digest in your registry mirror once you can resolve it.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY constraints.txt /tmp/constraints.txt
# Versions come from the project's constraints: the server matches the clients exactly.
RUN pip install --no-cache-dir -c /tmp/constraints.txt mlflow "psycopg[binary]" "boto3>=1.34,<2"

FROM ${PYTHON_IMAGE} AS mlflow
RUN groupadd --system --gid 10001 mlflow \
    && useradd --system --uid 10001 --gid mlflow --home-dir /var/lib/mlflow --create-home mlflow \
    && mkdir -p /mlartifacts \
    && chown mlflow:mlflow /mlartifacts
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1
COPY --from=builder /opt/venv /opt/venv
USER 10001:10001
WORKDIR /var/lib/mlflow
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]
# MLFLOW_BACKEND_STORE_URI and MLFLOW_ARTIFACTS_DESTINATION are read from the environment.
CMD ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", "--serve-artifacts"]
