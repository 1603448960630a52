# socklab relay image: the `socklab` binary and the built web UI on a small
# Debian runtime, run as an unprivileged user. docs/operations.md ("Containers")
# explains the choices; `cargo xtask test` builds it when docker or podman works.
#
#   docker build -t socklab .
#   docker run --rm -p 8080:8080 -v $PWD/token:/etc/socklab/token:ro socklab
#
# Stage 1 builds with the project's own workflow: `cargo xtask ui` installs what
# the UI build needs (the wasm32 target, trunk, wasm-bindgen-cli, wasm-opt from
# npm) exactly as on a developer machine, then builds dist/ with trunk; the relay
# is an ordinary release build (the workspace's profile: fat LTO, one codegen unit).
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo xtask ui \
 && cargo build --release --locked -p relay --bin socklab \
 && strip target/release/socklab

# Stage 2: the runtime. debian:bookworm-slim (glibc, CA certificates for the
# relay's TLS to allowed HTTPS hosts) rather than distroless so the image can be
# inspected with a shell; the process runs as uid 10001 and writes only to /tmp
# (the FTP lab's sandbox), so the root filesystem can be mounted read-only.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin socklab
COPY --from=builder /src/target/release/socklab /usr/local/bin/socklab
COPY --from=builder /src/dist /usr/share/socklab/dist
USER 10001:10001
EXPOSE 8080
# A class relay: every interface, the join token and the status token from files
# (mount them, e.g. from a Kubernetes Secret). Override with your own arguments.
ENTRYPOINT ["/usr/local/bin/socklab", "--ui-dir", "/usr/share/socklab/dist"]
CMD ["--listen", "0.0.0.0:8080", "--token-file", "/etc/socklab/token", "--drain-secs", "10"]
