# The hotline on embedded defaults (SQLite, bundled speech models). kamailio: for
# `hotline serve --workers N` (gateway workers behind its dispatcher).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox make kamailio \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY hotline ./hotline
COPY knowledge ./knowledge
COPY dialog ./dialog
COPY asr ./asr
COPY tts ./tts
COPY sip_gateway ./sip_gateway
RUN pip install --no-cache-dir --no-deps .

ENV HOTLINE_DATA_DIR=/data
VOLUME /data
# HTTP API; SIP signalling (UDP and TCP); RTP media range.
EXPOSE 8000 5060/udp 5060/tcp 20000-20999/udp
ENTRYPOINT ["hotline"]
CMD ["serve"]
