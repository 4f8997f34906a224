# deploy-advisor in a container, for fleet sweeps (deploy/kubernetes/sweep-job.yaml) and CI.
#
#   docker build -t deploy-advisor:0.2.0 .
#   docker run --rm -v "$PWD:/fleet" deploy-advisor:0.2.0 sweep /fleet/fleets/example.yaml --out /fleet/sweep
#
# Two stages: the official Swift image builds a release binary with the Swift runtime and
# Foundation linked statically (--static-swift-stdlib); the runtime image is Debian 12 with only
# what the binary loads (OpenBLAS) or runs (gnuplot, for the report's plots).
FROM swift:6.3.1-bookworm AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libopenblas-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, so a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product deploy-advisor --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/deploy-advisor" /usr/local/bin/deploy-advisor

FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libopenblas0-pthread libstdc++6 gnuplot-nox ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 advisor
COPY --from=build /usr/local/bin/deploy-advisor /usr/local/bin/deploy-advisor
COPY fleets /opt/deploy-advisor/fleets
COPY reports /opt/deploy-advisor/reports
USER advisor
# Calibrations are cached per model and host here; mount a volume to keep them between runs.
ENV DEPLOY_ADVISOR_CACHE=/home/advisor/.cache/deploy-advisor
ENTRYPOINT ["deploy-advisor"]
CMD ["--help"]
