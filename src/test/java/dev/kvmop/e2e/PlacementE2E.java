package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement against real OpenSSH and qemu: four KvmHosts, one loopback sshd each, with different
 * labels, capacities and pools. Guests with selectors land where their labels say, cordon and
 * capacity make guests wait with a clear message and let them in at the next change; 300 guests
 * created at once over the four hosts never overfill one (then three rounds of deletions and
 * creations); an operator halted between the placement decision and its status write places no
 * guest twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlacementE2E {
  static final int HOSTS = 4;
  static final int POOL = 80;
  static final int GUESTS = 300;
  static final int PER_HOST = 64; // capacity.memory 1Gi / 16Mi
  static final int DELETED = 20;
  static final int ROUNDS = 3;
  static final int CRASH_RUNS = 5;
  static final Duration CONVERGE = Duration.ofMinutes(3);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static PlacementChecks checks;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    checks = new PlacementChecks(env, HOSTS);
    List<OpenSshServer> servers = new ArrayList<>(List.of(env.sshd));
    for (int h = 1; h < HOSTS; h++) {
      servers.add(env.startSshd());
    }
    List<Map<String, String>> labels =
        List.of(
            Map.of("rack", "a", "disk", "ssd"),
            Map.of("rack", "a", "disk", "hdd"),
            Map.of("rack", "b"),
            Map.of("rack", "b", "gpu", "true"));
    List<String> memory = List.of("256Mi", "512Mi", "1Gi", "128Mi");
    for (int h = 0; h < HOSTS; h++) {
      KvmHost host =
          env.host(PlacementChecks.host(h), servers.get(h), servers.get(h).hostKeyLine(), 0);
      host.getMetadata().setLabels(labels.get(h));
      host.getSpec().capacity.cpus = 64;
      host.getSpec().capacity.memory = memory.get(h);
      for (int i = 0; i < POOL; i++) {
        host.getSpec()
            .addresses
            .add(
                new AddressEntry(
                    String.format("52:54:00:80:%02x:%02x", h, i), "10.80." + h + "." + (i + 1)));
      }
      env.client.resource(host).create();
    }
    operator = env.startOperator();
    for (int h = 0; h < HOSTS; h++) {
      env.awaitHost(PlacementChecks.host(h), HostPhase.Ready);
    }
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void selectorsCordonAndCapacity() {
    long t0 = System.nanoTime();
    create("ssd", g -> g.spec(s -> s.hostSelector = labels(Map.of("disk", "ssd"))));
    create(
        "rack-b-no-gpu",
        g -> g.spec(s -> s.hostSelector = expr(in("rack", "b"), op("gpu", "DoesNotExist"))));
    create("gpu", g -> g.spec(s -> s.hostSelector = expr(op("gpu", "Exists"))));
    assertThat(checks.runningOn("ssd")).isEqualTo("node-0");
    assertThat(checks.runningOn("rack-b-no-gpu")).isEqualTo("node-2");
    assertThat(checks.runningOn("gpu")).isEqualTo("node-3");
    create("not-rack-a", g -> g.spec(s -> s.hostSelector = expr(notIn("rack", "a"))));
    assertThat(checks.runningOn("not-rack-a")).as("node-2 is the less loaded").isEqualTo("node-2");
    create("any", g -> {});
    assertThat(checks.runningOn("any")).as("node-1 holds nothing yet").isEqualTo("node-1");

    create("nowhere", g -> g.spec(s -> s.hostSelector = expr(in("rack", "c"))));
    checks.awaitUnschedulable("nowhere", "0/4 hosts fit: 4 not matching the selector");
    create("too-big", g -> g.memory("2Gi"));
    checks.awaitUnschedulable(
        "too-big",
        "0/4 hosts fit: 4 insufficient memory; no host is big enough for 2Gi memory (the most a"
            + " host takes is 1Gi)");

    checks.editHost("node-3", h -> h.getSpec().schedulable = false);
    create("gpu-2", g -> g.spec(s -> s.hostSelector = expr(op("gpu", "Exists"))));
    checks.awaitUnschedulable("gpu-2", "0/4 hosts fit: 3 not matching the selector, 1 cordoned");
    assertThat(checks.runningOn("gpu")).as("cordon keeps running guests").isEqualTo("node-3");
    long uncordoned = System.nanoTime();
    checks.editHost("node-3", h -> h.getSpec().schedulable = true);
    assertThat(checks.runningOn("gpu-2")).isEqualTo("node-3");
    double uncordonToRunning = (System.nanoTime() - uncordoned) / 1e9;

    create("named-full", g -> g.on("node-3").memory("112Mi"));
    checks.awaitUnschedulable(
        "named-full",
        "KvmHost node-3: insufficient memory: the guest asks for 112Mi, 32Mi of 128Mi (capacity"
            + " 128Mi x overcommit 1.0) are taken");
    env.client.resource(env.get("gpu-2")).delete();
    assertThat(checks.runningOn("named-full")).isEqualTo("node-3");
    assertThat(checks.unschedulableEvents("nowhere")).as("one Event, not a loop").isEqualTo(1);

    checks.assertNoViolations("selectors");
    checks.deleteAll("");
    System.out.printf(
        "placement-selectors: 4 hosts, 9 guests: each on the host its selector allows, 2"
            + " Unschedulable with their reason, cordon and capacity honoured; uncordon -> Running"
            + " in %.1f s; %.1f s in all%n",
        uncordonToRunning, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * 300 guests created at once; then three rounds of: 20 Running guests deleted, exactly 20 waiting
   * ones placed in their room, and 20 new guests created at once (so that 44 wait again). Each
   * round races deletions, placements and creations on the same four hosts.
   */
  @Test
  @Order(2)
  void threeHundredGuestsOverFourHostsNeverOverfillOne() {
    for (int h = 0; h < HOSTS; h++) {
      checks.editHost(PlacementChecks.host(h), host -> host.getSpec().capacity.memory = "1Gi");
    }
    int running = HOSTS * PER_HOST;
    int waiting = GUESTS - running;
    long t0 = System.nanoTime();
    checks.createAtOnce("r-", GUESTS);
    checks.awaitSplit("r-", running, waiting, CONVERGE);
    PlacementChecks.Audit first = checks.audit("r-", PER_HOST);
    System.out.printf(
        "placement: %d guests / %d hosts: %d Running, %d Unschedulable, %d hosts over capacity,"
            + " %d addresses held twice; converged in %.1f s%n",
        GUESTS,
        HOSTS,
        first.running(),
        first.unschedulable(),
        first.overCapacity(),
        first.heldTwice(),
        (System.nanoTime() - t0) / 1e9);
    assertThat(first.running()).isEqualTo(running);
    assertThat(first.unschedulable()).isEqualTo(waiting);
    assertThat(first.overCapacity() + first.heldTwice()).isZero();
    for (int round = 1; round <= ROUNDS; round++) {
      long r0 = System.nanoTime();
      List<String> pending = checks.names("r-", GuestPhase.Pending);
      checks.deleteRunning("r-", DELETED);
      checks.awaitSplit("r-", running, waiting - DELETED, CONVERGE);
      PlacementChecks.Audit after = checks.audit("r-", PER_HOST);
      long promoted =
          checks.names("r-", GuestPhase.Running).stream().filter(pending::contains).count();
      double refilled = (System.nanoTime() - r0) / 1e9;
      checks.createAtOnce("r-" + round + "x", DELETED);
      checks.awaitSplit("r-", running, waiting, CONVERGE);
      PlacementChecks.Audit again = checks.audit("r-", PER_HOST);
      System.out.printf(
          "placement round %d: %d deleted -> %d more placed in %.1f s; %d created -> %d Running,"
              + " %d Unschedulable; %d hosts over capacity, %d addresses held twice%n",
          round,
          DELETED,
          promoted,
          refilled,
          DELETED,
          again.running(),
          again.unschedulable(),
          after.overCapacity() + again.overCapacity(),
          after.heldTwice() + again.heldTwice());
      assertThat(promoted).isEqualTo(DELETED);
      assertThat(again.running()).isEqualTo(running);
      assertThat(again.unschedulable()).isEqualTo(waiting);
      assertThat(
              after.overCapacity() + after.heldTwice() + again.overCapacity() + again.heldTwice())
          .isZero();
      checks.assertNoViolations("r-");
    }
    long d0 = System.nanoTime();
    checks.deleteAll("r");
    System.out.printf("placement: all deleted in %.1f s%n", (System.nanoTime() - d0) / 1e9);
  }

  @Test
  @Order(3)
  void anOperatorHaltedBetweenDecisionAndWritePlacesNoGuestTwice() {
    // Room for 4 guests of 16Mi per host; 10 residents, so the crash runs fill hosts further.
    for (int h = 0; h < HOSTS; h++) {
      checks.editHost(PlacementChecks.host(h), host -> host.getSpec().capacity.memory = "64Mi");
    }
    for (int i = 0; i < 10; i++) {
      create("resident-" + i, g -> {});
    }
    checks.awaitSplit("resident-", 10, 0, CONVERGE);
    Map<String, String> placedBefore = checks.placements("resident-");
    int twice = 0;
    int over = 0;
    for (int run = 1; run <= CRASH_RUNS; run++) {
      operator.kill();
      String name = "crash-" + run;
      env.client.resource(TestObjects.guest(name).pooled().grace(0).build()).create();
      OperatorProcess crashing = env.startCrashingOperator(CrashPoints.AFTER_PLACEMENT);
      assertThat(crashing.awaitExit(Duration.ofSeconds(90)))
          .as("operator armed at %s halted; log:%n%s", CrashPoints.AFTER_PLACEMENT, crashing.log())
          .isTrue();
      assertThat(crashing.exitCode()).isEqualTo(137);
      assertThat(env.get(name).getStatus() == null || env.get(name).getStatus().host == null)
          .as(name + ": nothing on record before the halt")
          .isTrue();
      operator = env.startOperator();
      String host = checks.runningOn(name);
      placedBefore.put(name, host);
      PlacementChecks.Audit audit = checks.audit("", 4);
      twice += checks.placedTwice(placedBefore);
      over += audit.overCapacity() + audit.heldTwice();
    }
    System.out.printf(
        "placement-crash: %d runs halted at %s: %d guests placed twice, %d hosts over capacity"
            + " after restart%n",
        CRASH_RUNS, CrashPoints.AFTER_PLACEMENT, twice, over);
    assertThat(twice).isZero();
    assertThat(over).isZero();
    checks.assertNoViolations("");
  }

  private static void create(String name, Consumer<TestObjects.GuestBuilder> change) {
    TestObjects.GuestBuilder g = TestObjects.guest(name).pooled().grace(0);
    change.accept(g);
    env.client.resource(g.build()).create();
  }

  static LabelSelector labels(Map<String, String> labels) {
    return new LabelSelectorBuilder().withMatchLabels(labels).build();
  }

  static LabelSelector expr(LabelSelectorRequirement... requirements) {
    return new LabelSelectorBuilder().withMatchExpressions(requirements).build();
  }

  static LabelSelectorRequirement in(String key, String value) {
    return new LabelSelectorRequirement(key, "In", List.of(value));
  }

  static LabelSelectorRequirement notIn(String key, String value) {
    return new LabelSelectorRequirement(key, "NotIn", List.of(value));
  }

  static LabelSelectorRequirement op(String key, String operator) {
    return new LabelSelectorRequirement(key, operator, List.of());
  }
}
