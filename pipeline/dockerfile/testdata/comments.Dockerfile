# escape=\

# A comment before the first instruction.
ARG   BASE="debian:bookworm-slim"   

FROM \
    # a comment inside a continuation
    --platform=linux/amd64 \
    golang:1.26	AS   build   
RUN echo one \
    && echo two

  FROM  ${BASE}  
COPY --from=build /a /b
