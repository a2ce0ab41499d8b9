# syntax=docker/dockerfile:1
FROM python:3.13-slim AS build
RUN <<EOF
cat > /tmp/Dockerfile <<'INNER'
FROM not-an-image:really
INNER
echo "FROM busybox in a heredoc is just text"
EOF
COPY <<CONF /etc/app.conf
FROM = nowhere
ARG BASE=nothing
CONF

FROM python:3.13-slim
COPY --from=build /tmp/Dockerfile /Dockerfile
