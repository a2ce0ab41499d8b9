ARG BASE=debian:bookworm-slim
# a comment
FROM ${BASE} AS base
RUN echo hello \
    world

FROM base
COPY --from=alpine:3.22 /etc/os-release /alpine-release
