package dev.kvmop.controller;

import dev.kvmop.controller.guest.GuestProbes;
import dev.kvmop.controller.guest.KvmGuestReconciler;
import dev.kvmop.controller.host.KvmHostReconciler;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.metrics.MetricsServer;
import dev.kvmop.metrics.Registries;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running operator: JOSDK with both controllers, and the metrics/health endpoint. */
public final class OperatorRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorRuntime.class);

  private final Operator operator;
  private final MetricsServer http;
  private final GuestProbes probes;

  private OperatorRuntime(Operator operator, MetricsServer http, GuestProbes probes) {
    this.operator = operator;
    this.http = http;
    this.probes = probes;
  }

  /** Meters and registry shared by the controllers and the SSH layer's command listener. */
  public record Meters(PrometheusMeterRegistry registry, DomainMetrics domain) {
    public static Meters create() {
      PrometheusMeterRegistry registry = Registries.prometheus();
      return new Meters(registry, new DomainMetrics(registry));
    }
  }

  public static OperatorRuntime start(
      OperatorSettings settings, KubernetesClient client, HostAgentFactory agents, Meters meters)
      throws IOException {
    Clock clock = Clock.systemUTC();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withMetrics(Registries.operatorSdk(meters.registry()))
                  .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
                  .withConcurrentReconciliationThreads(settings.threads())
                  .withStopOnInformerErrorDuringStartup(false);
              if (settings.leaseName() != null) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            settings.leaseName())
                        .build());
              }
            });
    EventRecorder events = new EventRecorder(client, clock);
    HostDirectory directory = new HostDirectory();
    GuestProbes probes = new GuestProbes(directory, agents, meters.domain(), clock);
    operator.register(
        new KvmHostReconciler(agents, directory, events, meters.domain(), clock),
        c -> namespaces(c, settings));
    operator.register(
        new KvmGuestReconciler(agents, directory, probes, events, meters.domain(), clock),
        c -> namespaces(c, settings));
    operator.start();
    MetricsServer http =
        new MetricsServer(
            settings.metricsPort(),
            meters.registry(),
            () -> operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            () -> operator.getRuntimeInfo().isStarted());
    log.info("operator started ({}); metrics on :{}/metrics", settings, http.port());
    return new OperatorRuntime(operator, http, probes);
  }

  private static void namespaces(
      io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> c,
      OperatorSettings settings) {
    if (!settings.namespaces().isEmpty()) {
      c.settingNamespaces(settings.namespaces());
    }
  }

  public int metricsPort() {
    return http.port();
  }

  @Override
  public void close() {
    probes.close();
    http.close();
    operator.stop();
  }

  /** How long shutdown waits for running reconciles. */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
}
