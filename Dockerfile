# One image for every process: `web` (default), `worker`, `socket`. Multi-stage: build tools stay behind.
# PYTHON_IMAGE may be any Debian-based image with Python 3.11+ (python3, python3-venv), e.g. a mirror's.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /venv
COPY requirements.txt /tmp/requirements.txt
# The locked versions (requirements.txt, from `make lock`): the same set CI tests, to the patch. Behind a
# TLS-inspecting proxy, pass its CA bundle as the build secret pip_ca (scripts/build-image.sh does).
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi; \
    /venv/bin/pip install --requirement /tmp/requirements.txt

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home techspec
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=root:root bot /app/bot
COPY --chown=root:root prompts /app/prompts
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000 \
    TECHSPEC_METRICS_PORT=9100
USER 10001
EXPOSE 8000 9100
# web: /healthz on $PORT; worker and socket: /healthz on $TECHSPEC_METRICS_PORT (the probe picks by process).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python3", "-m", "bot.run.healthcheck"]
# Exec form: python is PID 1 and gets SIGTERM itself (gunicorn and RQ finish what is in flight, then exit).
STOPSIGNAL SIGTERM
ENTRYPOINT ["python3", "-m", "bot"]
CMD ["web"]
