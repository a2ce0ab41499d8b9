FROM golang:1.26 AS build
RUN go build -o /app .

FROM golang:1.26 AS test
COPY --from=build /app /app
RUN go test ./...

FROM node:22 AS assets
RUN npm ci

FROM gcr.io/distroless/static-debian12 AS release
COPY --from=build /app /app
