package dev.kvmop.e2e;

import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.RbacRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kvmop_* metrics (docs/operations.md) seen from outside: the built operator's /metrics scraped
 * during one guest lifecycle (create → Running, kill -9 qemu → relaunch, delete). Then every API
 * request the operator made during the run is checked against deploy/rbac.yaml.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsE2E {
  /** The label sets docs/operations.md gives each family; {@code le} of histogram buckets aside. */
  static final Map<String, Set<String>> LABELS =
      Map.of(
          "kvmop_guests", Set.of("namespace", "host", "phase"),
          "kvmop_guest_start_seconds", Set.of(),
          "kvmop_guest_restarts_total", Set.of(),
          "kvmop_host_up", Set.of("namespace", "host"),
          "kvmop_host_pool_addresses", Set.of("namespace", "host", "state"),
          "kvmop_host_allocated", Set.of("namespace", "host", "resource"),
          "kvmop_guests_unschedulable", Set.of("namespace"),
          "kvmop_ssh_command_seconds", Set.of("host", "op"),
          "kvmop_ssh_connects_total", Set.of("host", "result"),
          "kvmop_probe_seconds", Set.of("host"));

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? \\S+.*$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    operator = env.startOperatorWithHost("node", 4);
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void domainSeriesMoveThroughAGuestLifecycle() {
    String[] host = {"namespace=\"default\"", "host=\"node\""};
    awaitMetric("kvmop_host_up", 1, host[0], host[1]);
    awaitMetric("kvmop_host_pool_addresses", 0, host[0], host[1], "state=\"allocated\"");
    awaitMetric("kvmop_host_pool_addresses", 4, host[0], host[1], "state=\"free\"");
    double startsBefore = operator.metricSum("kvmop_guest_start_seconds_count");

    env.client.resource(guest("m1").on("node").networked().build()).create();
    env.awaitGuest("m1", GuestPhase.Running);
    awaitMetric("kvmop_guests", 1, host[0], host[1], "phase=\"Running\"");
    awaitMetric("kvmop_host_pool_addresses", 1, host[0], host[1], "state=\"allocated\"");
    awaitMetric("kvmop_host_pool_addresses", 3, host[0], host[1], "state=\"free\"");
    awaitMetric("kvmop_host_allocated", 32 << 20, host[0], host[1], "resource=\"memory\"");
    awaitMetric("kvmop_host_allocated", 1, host[0], host[1], "resource=\"guests\"");
    assertThat(operator.metricSum("kvmop_guest_start_seconds_count")).isGreaterThan(startsBefore);
    assertThat(operator.metricSum("kvmop_guest_start_seconds_bucket", "le=\"+Inf\""))
        .isGreaterThan(startsBefore);

    deleteGuest("m1");
    awaitMetric("kvmop_guests", 0, host[0], host[1], "phase=\"Running\"");
    awaitMetric("kvmop_host_pool_addresses", 0, host[0], host[1], "state=\"allocated\"");
    awaitMetric("kvmop_host_pool_addresses", 4, host[0], host[1], "state=\"free\"");
    awaitMetric("kvmop_host_allocated", 0, host[0], host[1], "resource=\"memory\"");

    // Crash, relaunch, delete.
    double restartsBefore = operator.metricSum("kvmop_guest_restarts_total");
    env.client.resource(guest("c1").on("node").build()).create();
    int pid = env.awaitGuest("c1", GuestPhase.Running).getStatus().pid;
    awaitMetric("kvmop_guests", 1, host[0], host[1], "phase=\"Running\"");
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    env.awaitGuest(
        "c1",
        g ->
            g.getStatus().phase == GuestPhase.Running
                && g.getStatus().pid != null
                && g.getStatus().pid != pid);
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> operator.metricSum("kvmop_guest_restarts_total") > restartsBefore);
    deleteGuest("c1");
    awaitMetric("kvmop_guests", 0, host[0], host[1], "phase=\"Running\"");

    String sshHost = "host=\"default/node\"";
    assertThat(operator.metricSum("kvmop_ssh_command_seconds_count", sshHost, "op=\"probe\""))
        .isPositive();
    assertThat(operator.metricSum("kvmop_ssh_command_seconds_count", sshHost, "op=\"launch\""))
        .isGreaterThanOrEqualTo(2);
    assertThat(operator.metricSum("kvmop_probe_seconds_count", sshHost)).isPositive();
    assertThat(operator.metricSum("kvmop_ssh_connects_total", sshHost, "result=\"success\""))
        .isGreaterThanOrEqualTo(1);

    String text = operator.metrics();
    assertThat(text).contains("\noperator_sdk_").contains("\njvm_memory_used_bytes");
    assertThat(operator.metricSum("operator_sdk_reconciliations_started_total")).isPositive();
    assertLabelSets(text);
  }

  @Test
  @Order(2)
  void everyApiRequestOfTheRunIsGrantedByDeployRbac() {
    RbacRules rbac = new RbacRules(env.client, Path.of("deploy/rbac.yaml"));
    List<ApiRequest> requests;
    synchronized (env.operatorRequests) {
      requests = new ArrayList<>(env.operatorRequests);
    }
    assertThat(requests).as("requests recorded").isNotEmpty();
    var denied = rbac.denied(requests, "metrics");
    assertThat(denied).as("requests deploy/rbac.yaml does not grant").isEmpty();
  }

  private static void deleteGuest(String name) {
    env.client.resources(KvmGuest.class).inNamespace(E2EEnvironment.NS).withName(name).delete();
    env.awaitGone(name);
  }

  private static void awaitMetric(String name, double value, String... fragments) {
    await()
        .atMost(E2EEnvironment.WAIT)
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () ->
                assertThat(operator.metricSum(name, fragments))
                    .as(name + " " + String.join(",", fragments))
                    .isEqualTo(value));
  }

  /**
   * Every kvmop_* series carries exactly the labels of {@link #LABELS}, and every one of them
   * exists.
   */
  private static void assertLabelSets(String text) {
    Map<String, Set<Set<String>>> seen = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches() || !m.group(1).startsWith("kvmop_")) {
        continue;
      }
      String name = m.group(1).replaceAll("_(bucket|count|sum|max)$", "");
      Set<String> labels = new TreeSet<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.add(l.group(1));
        }
      }
      labels.remove("le");
      seen.computeIfAbsent(name, k -> new java.util.HashSet<>()).add(labels);
    }
    assertThat(seen.keySet()).as("kvmop_* metric names").isEqualTo(new TreeSet<>(LABELS.keySet()));
    seen.forEach(
        (name, sets) -> assertThat(sets).as(name + " label sets").containsOnly(LABELS.get(name)));
  }
}
