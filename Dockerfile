# Multi-stage: Maven build (dependency layer cached) -> JRE 17 runtime as a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY crds crds
# main sources only: a change to the tests does not rebuild the image
COPY src/main src/main
RUN mvn -B -q package -Dmaven.test.skip=true -Dspotless.check.skip=true

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home /nonexistent kvmop
WORKDIR /app
COPY --from=build /src/target/lib lib
COPY --from=build /src/target/kvm-operator.jar kvm-operator.jar
USER 10001
# Measured by `make bench` under the Deployment's 512Mi limit (docs/benchmarks.md): 400 guests on
# 4 hosts, ~240 MB RSS and ~2 % of a core; SerialGC suits the 1-2 cores an operator pod gets.
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=60 -Xss512k"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/kvm-operator.jar"]
CMD ["run"]
