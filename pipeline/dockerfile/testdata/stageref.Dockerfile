FROM alpine:3.22 AS base
RUN apk add --no-cache ca-certificates

FROM base AS deps
RUN apk add --no-cache git

FROM deps
COPY . /src
