# syntax=docker/dockerfile:1
# One Python distribution, one dependency layer, several runtime targets:
#   docker build -f infra/docker/platform.Dockerfile --target api     -t ecom-api .
#   docker build -f infra/docker/platform.Dockerfile --target app     -t ecom-app .
#   docker build -f infra/docker/platform.Dockerfile --target dagster -t ecom-dagster .
# The base image is pinned by tag; pin it by digest (python:3.11.14-slim-bookworm@sha256:...)
# in your registry mirror once you can resolve it.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---------------------------------------------------------------- builder: the virtualenv
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Dependencies first (this layer changes only with pyproject.toml / constraints.txt).
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt "setuptools>=69" wheel
# Postgres run/event storage for the Dagster instance (not a runtime dependency of the package).
ARG DAGSTER_POSTGRES_VERSION=0.29.27
RUN pip install --no-cache-dir -c constraints.txt "dagster-postgres==${DAGSTER_POSTGRES_VERSION}"

# Then the code, installed in place so paths such as dbt_project/ resolve as in a checkout.
COPY README.md ./
COPY warehouse ./warehouse
COPY seeds_generator ./seeds_generator
COPY ml ./ml
COPY orchestration ./orchestration
COPY serving ./serving
COPY app ./app
COPY dbt_project ./dbt_project
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && rm -rf dbt_project/target dbt_project/logs dbt_project/dbt_packages

# ---------------------------------------------------------------- runtime: shared by every target
FROM ${PYTHON_IMAGE} AS runtime
# libgomp1: OpenMP runtime that xgboost and implicit load. Left unpinned on purpose: Debian
# stable only ships security fixes, and an exact version pin breaks the build after each one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ecom \
    && useradd --system --uid 10001 --gid ecom --home-dir /var/lib/ecom --create-home ecom
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ECOM_HOME=/var/lib/ecom \
    ECOM_DBT_PROJECT_DIR=/app/dbt_project \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder --chown=ecom:ecom /app /app
WORKDIR /app

# ---------------------------------------------------------------- api: FastAPI prediction service
FROM runtime AS api
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["ecom", "serve", "api", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

# ---------------------------------------------------------------- app: Streamlit BI app
FROM runtime AS app
USER 10001:10001
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["python", "-m", "streamlit", "run", "app/Home.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]

# ---------------------------------------------------------------- dagster: webserver, daemon, code server, pipeline
FROM runtime AS dagster
ENV DAGSTER_HOME=/opt/dagster/home
COPY --chown=ecom:ecom infra/docker/dagster/dagster.yaml infra/docker/dagster/workspace.yaml /opt/dagster/home/
USER 10001:10001
# Parse the dbt project now so @dbt_assets has a manifest when the definitions load.
RUN python -c "from orchestration.dbt_project import ensure_manifest; ensure_manifest()"
EXPOSE 3000 4000
# The code server answers gRPC health checks; webserver/daemon override this in compose.
HEALTHCHECK --interval=15s --timeout=10s --start-period=120s --retries=5 \
    CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "orchestration.definitions"]
