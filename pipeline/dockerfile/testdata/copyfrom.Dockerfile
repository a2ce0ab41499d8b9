FROM alpine:3.22
COPY --from=docker.io/library/busybox:1.37 /bin/busybox /bin/busybox
COPY --from=ghcr.io/example/tools:v2 --chmod=0755 /usr/bin/tool /usr/bin/tool
RUN --mount=type=bind,from=golang:1.26,source=/usr/local/go,target=/go true
