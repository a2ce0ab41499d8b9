FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
