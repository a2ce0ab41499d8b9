FROM --platform=$BUILDPLATFORM golang:1.26-alpine AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM --platform=linux/arm64 alpine:3.22 AS arm-tools

FROM --platform=$TARGETPLATFORM alpine:3.22
COPY --from=build /out/app /app
