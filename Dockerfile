# Passerelle in a container: docker build --build-arg VERSION=v1.2.3 -t passerelle .
#   docker run -p 8080:8080 -v passerelle-data:/data \
#     -e PASSERELLE_BOOTSTRAP_TOKEN=… -e PASSERELLE_BASE_URL=https://data.example.fr passerelle

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# cgo for SQLite (github.com/mattn/go-sqlite3): the binary needs glibc,
# which the distroless base image has.
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/passerelle ./cmd/passerelle \
    && mkdir -p /out/data

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/passerelle /usr/local/bin/passerelle
# An empty /data owned by the nonroot user (65532), so that a new volume
# mounted there is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PASSERELLE_DATA_DIR=/data \
    PASSERELLE_ADDR=:8080
VOLUME /data
EXPOSE 8080
# healthcheck asks /healthz on the loopback side of PASSERELLE_ADDR.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/passerelle", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/passerelle"]
CMD ["serve"]
