package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.testing.AlertRules;
import dev.kvmop.testing.DashboardQueries;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.PrometheusServer;
import dev.kvmop.testing.RbacRules;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alerts and dashboard against Debian's real Prometheus, scraping the built operator as
 * the shipped ServiceMonitor makes the Prometheus Operator scrape it, with the rule groups of
 * deploy/prometheusrule.yaml. Real faults make every alert fire: a host's sshd stopped, guests'
 * qemu killed again and again, a host's pool used up, the API refusing the operator's status
 * writes, a guest whose hostSelector matches no host.
 *
 * <p>The test's copy of the rules waits {@value #FOR} in every {@code for:} instead of the shipped
 * 5 to 15 minutes; expressions, labels and annotations are as shipped. Scrapes and rule evaluations
 * happen every {@value #INTERVAL} (shipped ServiceMonitor: 30s).
 *
 * <p>A new alert in deploy/prometheusrule.yaml needs its fault in {@link #faults()}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusE2E {
  static final String FOR = "5s";
  static final String INTERVAL = "1s";
  static final Duration FIRING_WAIT = Duration.ofMinutes(3);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static PrometheusServer prometheus;
  static OpenSshServer edgeSshd;

  /** One real fault per alert: what it is, how to cause it, which labels the alert must carry. */
  record Fault(String cause, Runnable inflict, Map<String, String> labels) {}

  static Map<String, Fault> faults() {
    Map<String, Fault> f = new LinkedHashMap<>();
    f.put(
        "KvmHostDown",
        new Fault(
            "sshd of host edge stopped (connections dropped)",
            PrometheusE2E::stopEdgeHost,
            Map.of("namespace", E2EEnvironment.NS, "host", "edge")));
    f.put(
        "KvmAddressPoolNearlyExhausted",
        new Fault(
            "the only pool address of host node taken by a running guest",
            PrometheusE2E::exhaustPool,
            Map.of("namespace", E2EEnvironment.NS, "host", "node")));
    f.put(
        "KvmGuestCrashLooping",
        new Fault(
            "qemu of 3 guests killed with SIGKILL each time it was relaunched",
            PrometheusE2E::crashLoop,
            Map.of()));
    f.put(
        "KvmGuestsUnschedulable",
        new Fault(
            "a guest whose hostSelector (rack=nowhere) matches no host waits in Pending",
            PrometheusE2E::selectNoHost,
            Map.of("namespace", E2EEnvironment.NS)));
    f.put(
        "KvmOperatorReconcileErrors",
        new Fault(
            "the API refuses the operator's kvmguests/status writes (403, as with an RBAC grant"
                + " missing) while 12 guests are created",
            PrometheusE2E::refuseGuestStatus,
            Map.of("kind", "KvmGuest")));
    return f;
  }

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(PrometheusServer.available(), "Debian package prometheus is not installed");
    env = new E2EEnvironment(tmp);
    edgeSshd = env.startSshd();
    env.client.resource(env.host("edge", edgeSshd, edgeSshd.hostKeyLine(), 0)).create();
    operator = env.startOperatorWithHost("node", 1);
    env.awaitHost("edge", HostPhase.Ready);
    Path rules = AlertRules.shipped().withFor(FOR).write(tmp.resolve("rules.yaml"));
    Path promDir = Files.createDirectories(tmp.resolve("prometheus"));
    String job =
        PrometheusServer.serviceMonitorJob(
            Path.of("deploy/servicemonitor.yaml"), "127.0.0.1:" + operator.metricsPort(), INTERVAL);
    prometheus = new PrometheusServer(promDir).start(job, rules, INTERVAL);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !prometheus.query("kvmop_host_up").isEmpty());
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void everyShippedAlertHasAFault() {
    assertThat(faults().keySet())
        .as("alerts in deploy/prometheusrule.yaml vs faults in this test")
        .containsExactlyInAnyOrderElementsOf(AlertRules.shipped().alertNames());
  }

  @TestFactory
  @Order(2)
  Stream<DynamicTest> eachAlertFiresForItsRealCause() {
    return faults().entrySet().stream()
        .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> fires(e.getKey(), e.getValue())));
  }

  @Test
  @Order(3)
  void everyDashboardQueryReturnsData() {
    // A guest started within the rate window, so the start-latency quantiles have observations.
    env.api.authorize(r -> true);
    env.client.resource(TestObjects.guest("dash").on("node").build()).create();
    env.awaitGuest("dash", GuestPhase.Running);
    List<DashboardQueries.Query> queries =
        DashboardQueries.of(DashboardQueries.SHIPPED, Map.of("__rate_interval", "1m"));
    assertThat(queries).isNotEmpty();
    List<String> empty = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              empty.clear();
              queries.forEach(
                  q -> {
                    if (finiteSeries(prometheus.query(q.expr())).isEmpty()) {
                      empty.add(q.panel() + ": " + q.expr());
                    }
                  });
              return empty.isEmpty();
            });
    for (DashboardQueries.Query q : queries) {
      List<JsonNode> result = prometheus.query(q.expr());
      List<String> series = finiteSeries(result);
      System.out.printf("dashboard [%s] %s -> %s%n", q.panel(), q.expr(), series);
      assertThat(series).as(q.panel() + ": " + q.expr()).isNotEmpty();
      for (String label : q.legendLabels()) {
        assertThat(result)
            .as(q.panel() + ": legend label " + label + " in every series of " + q.expr())
            .allMatch(s -> !s.path("metric").path(label).asText().isEmpty());
      }
    }
  }

  private static void fires(String alert, Fault fault) {
    assertThat(active(alert, fault.labels())).as(alert + " before the fault").isEmpty();
    Instant start = Instant.now();
    fault.inflict().run();
    try {
      await()
          .atMost(FIRING_WAIT)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> "firing".equals(active(alert, fault.labels()).orElse("")));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          alert
              + " did not fire; alerts: "
              + prometheus.alerts()
              + "\nexpr: "
              + AlertRules.shipped().exprOf(alert)
              + "\ntarget: "
              + prometheus.targetHealth()
              + "\noperator log tail:\n"
              + E2EEnvironment.tail(operator.log(), 80),
          e);
    }
    PrometheusServer.Alert firing =
        prometheus.alerts().stream()
            .filter(a -> alert.equals(a.name()) && "firing".equals(a.state()))
            .filter(a -> a.labels().entrySet().containsAll(fault.labels().entrySet()))
            .findFirst()
            .orElseThrow();
    for (String label : AlertRules.shipped().labelsInAnnotations(alert)) {
      assertThat(firing.labels().get(label))
          .as(alert + " label " + label + " its annotations print; labels " + firing.labels())
          .isNotBlank();
    }
    System.out.printf(
        "alert %s %s firing %d s after the fault (%s; test for: %s, shipped for: %s)%n",
        alert,
        firing.labels(),
        Duration.between(start, Instant.now()).toSeconds(),
        fault.cause(),
        FOR,
        AlertRules.shipped().forOf(alert));
  }

  /** The state of the alert whose labels include {@code labels}, if active. */
  private static java.util.Optional<String> active(String alert, Map<String, String> labels) {
    return prometheus.alerts().stream()
        .filter(a -> alert.equals(a.name()))
        .filter(a -> a.labels().entrySet().containsAll(labels.entrySet()))
        .map(PrometheusServer.Alert::state)
        .findFirst();
  }

  private static List<String> finiteSeries(List<JsonNode> result) {
    List<String> out = new ArrayList<>();
    for (JsonNode s : result) {
      double v = Double.parseDouble(s.path("value").path(1).asText());
      if (Double.isFinite(v)) {
        out.add(s.path("metric") + "=" + s.path("value").path(1).asText());
      }
    }
    return out;
  }

  private static void stopEdgeHost() {
    edgeSshd.stop();
    env.awaitHost("edge", HostPhase.Unreachable);
  }

  private static void exhaustPool() {
    env.client.resource(TestObjects.guest("pooled").on("node").pooled().build()).create();
    env.awaitGuest("pooled", GuestPhase.Running);
  }

  /** Kills each crash guest's qemu whenever it runs with a pid not yet killed, until it fires. */
  private static void crashLoop() {
    // Each killed twice: 6 relaunches (10 s, then 20 s backoff) are more than the 3 in 15 minutes.
    List<String> names = List.of("crash-1", "crash-2", "crash-3");
    names.forEach(n -> env.client.resource(TestObjects.guest(n).on("node").build()).create());
    names.forEach(n -> env.awaitGuest(n, GuestPhase.Running));
    Set<Integer> killed = new HashSet<>();
    await()
        .atMost(FIRING_WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              for (String n : names) {
                KvmGuest g = env.get(n);
                Integer pid = g.getStatus().pid;
                if (g.getStatus().phase == GuestPhase.Running && pid != null && killed.add(pid)) {
                  ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
              }
              return "firing".equals(active("KvmGuestCrashLooping", Map.of()).orElse(""))
                  || killed.size() >= 4 * names.size();
            });
  }

  /** A guest no host's labels match: placement counts it in kvmop_guests_unschedulable. */
  private static void selectNoHost() {
    LabelSelector nowhere =
        new LabelSelectorBuilder().withMatchLabels(Map.of("rack", "nowhere")).build();
    env.client
        .resource(TestObjects.guest("unplaceable").spec(s -> s.hostSelector = nowhere).build())
        .create();
  }

  /** deploy/rbac.yaml without kvmguests/status, enforced for the operator's requests. */
  private static void refuseGuestStatus() {
    try {
      Path rbac = tmp.resolve("rbac-without-guest-status.yaml");
      Files.writeString(
          rbac,
          Files.readString(Path.of("deploy/rbac.yaml"))
              .replace("\"kvmhosts/status\", \"kvmguests/status\"", "\"kvmhosts/status\""));
      RbacRules rules = new RbacRules(env.client, rbac);
      assertThat(rules.allows(new ApiRequest.Access("kvmop.dev", "kvmguests/status", "patch")))
          .isFalse();
      env.api.authorize(
          r ->
              r.userAgent() == null
                  || !r.userAgent().startsWith("kvm-operator")
                  || r.access().map(rules::allows).orElse(true));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (int i = 1; i <= 12; i++) {
      env.client.resource(TestObjects.guest("denied-" + i).on("node").build()).create();
    }
  }
}
