# MFA Gateway container image (the runnable jar of SPEC §2 on a JRE, as a fixed non-root user).
#
# Two targets end in the same runtime setup:
#   runtime (default)  builds the jar inside the image with the Maven wrapper; needs the build base image and
#                      Maven Central:             docker build -t mfa-gateway .
#   prebuilt           packs a jar built on the host first (./mvnw -B package -DskipTests); works offline:
#                                                 podman build --target prebuilt -t mfa-gateway .
# scripts/image-test.sh builds the prebuilt target (FULL_BUILD=1: the default target, offline from the host's ~/.m2),
# runs it locked down and checks it.
#
# The image writes nothing outside /tmp (mount a tmpfs/emptyDir there and run with a read-only root filesystem),
# has no HEALTHCHECK (Kubernetes probes /healthz and /readyz on the admin port), and runs the JVM as PID 1 through
# an exec-form ENTRYPOINT, so SIGTERM reaches the gateway's graceful drain.

ARG BASE_IMAGE=eclipse-temurin:21-jre
ARG BUILD_IMAGE=eclipse-temurin:21-jdk

FROM ${BUILD_IMAGE} AS build
# Maven 3.9 reads MAVEN_ARGS from the environment: `--build-arg MAVEN_ARGS=-o` with the host's repository mounted
# (`podman build -v "$HOME/.m2:/root/.m2:O" …`) builds without a network.
ARG MAVEN_ARGS=""
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY gateway/pom.xml gateway/
# The root pom lists the load-test module; Maven needs its pom even when it builds only the gateway.
COPY loadtest/gatling/pom.xml loadtest/gatling/
COPY gateway/src/ gateway/src/
RUN ./mvnw -B -q -pl gateway -am package -DskipTests

FROM ${BASE_IMAGE} AS runtime-base
ARG BASE_IMAGE
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="mfa-gateway" \
      org.opencontainers.image.description="Reverse proxy that forwards only Microsoft cloud API calls whose bearer token proves MFA" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
RUN groupadd --gid 10001 mfa-gateway \
 && useradd --no-log-init --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mfa-gateway
WORKDIR /opt/mfa-gateway
# Heap share of the container's memory limit, overridable at run time (the chart sets it from jvm.maxRamPercentage);
# the rest is left to Netty's direct buffers, metaspace and threads. The young generation starts at 24 MiB
# (jvm.newSize): in a small container the JVM's own choice (Serial, a young generation of a few MiB, grown only after a
# full collection) made it collect every 30 ms at full load.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=50 -XX:NewSize=24m"
USER 10001:10001
EXPOSE 8080 9090
ENTRYPOINT ["java", "-Djava.io.tmpdir=/tmp", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/mfa-gateway/mfa-gateway.jar"]
CMD ["serve"]

FROM runtime-base AS prebuilt
COPY gateway/target/mfa-gateway.jar /opt/mfa-gateway/mfa-gateway.jar

FROM runtime-base AS runtime
COPY --from=build /src/gateway/target/mfa-gateway.jar /opt/mfa-gateway/mfa-gateway.jar
