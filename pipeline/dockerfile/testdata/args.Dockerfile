ARG REGISTRY=docker.io
ARG BASE=debian:bookworm-slim
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
ARG BASE
RUN echo "building for ${BASE}"

FROM ${BASE}
COPY --from=build /out/app /app
