package dev.kvmop.e2e;

import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.QemuProcesses;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, suite 3: 200 KvmGuests created at once against one host whose pool has 150 addresses.
 * Exactly 150 run (real qemu, distinct IPs and MACs), 50 wait with PoolExhausted; deleting 10
 * running guests lets exactly 10 waiting ones run, on the freed addresses. Three rounds, each
 * cleaned up completely (no qemu, no guest directory) before the next.
 *
 * <p>Guests are {@link E2EEnvironment#pooledGuest}: microvm with a user-mode NIC and a stopped
 * vCPU, so 150 real qemu processes fit on a 2-core machine (about 27 MB each, no CPU). The sshd
 * keeps OpenSSH's default MaxSessions of 10 and the host its default maxSessions of 8, below it.
 */
class GuestConcurrencyE2E {
  static final int GUESTS = 200;
  static final int POOL = 150;
  static final int DELETED = 10;
  static final int ROUNDS = 3;
  static final Duration CONVERGE = Duration.ofMinutes(3);

  @TempDir static Path tmp;
  static E2EEnvironment env;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp, List.of("MaxSessions 10"));
    KvmHost host = env.host("busy", env.sshd.hostKeyLine(), 0);
    host.getSpec().maxSessions = 8;
    for (int i = 0; i < POOL; i++) {
      host.getSpec()
          .addresses
          .add(
              new dev.kvmop.api.AddressEntry(
                  String.format("52:54:00:20:%02x:%02x", i / 256, i % 256),
                  "10.78." + (i / 200) + "." + (i % 200 + 1)));
    }
    env.client.resource(host).create();
    env.startOperator();
    env.awaitHost("busy", HostPhase.Ready);
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void twoHundredGuestsOnAPoolOfOneHundredFifty() {
    int duplicates = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      long t0 = System.nanoTime();
      String prefix = "r" + round + "-";
      List<String> names = IntStream.range(0, GUESTS).mapToObj(i -> prefix + i).toList();
      names.parallelStream()
          .forEach(n -> env.client.resource(guest(n).on("busy").pooled().build()).create());

      awaitSplit(prefix, POOL, GUESTS - POOL);
      List<KvmGuest> running = phase(prefix, GuestPhase.Running);
      duplicates += checkRunning(running, POOL);
      long converged = System.nanoTime();

      List<KvmGuest> victims = running.subList(0, DELETED);
      Set<String> freed = victims.stream().map(g -> g.getStatus().ip).collect(Collectors.toSet());
      Set<String> waiting = names(phase(prefix, GuestPhase.Pending));
      victims.forEach(v -> env.client.resource(v).delete());
      victims.forEach(v -> env.awaitGone(v.getMetadata().getName()));
      awaitSplit(prefix, POOL, GUESTS - POOL - DELETED);
      List<KvmGuest> after = phase(prefix, GuestPhase.Running);
      duplicates += checkRunning(after, POOL);
      List<KvmGuest> promoted =
          after.stream().filter(g -> waiting.contains(g.getMetadata().getName())).toList();
      assertThat(promoted).as("guests that got a freed address").hasSize(DELETED);
      assertThat(promoted.stream().map(g -> g.getStatus().ip).collect(Collectors.toSet()))
          .as("the freed addresses, and only those, went to the waiting guests")
          .isEqualTo(freed);
      long promotedAt = System.nanoTime();

      cleanUp(prefix);
      System.out.printf(
          "concurrency round %d: %d guests / %d addresses: %d Running, %d PoolExhausted, +%d after"
              + " %d deletions; converged in %.1f s, promoted in %.1f s, cleaned up in %.1f s%n",
          round,
          GUESTS,
          POOL,
          running.size(),
          GUESTS - POOL,
          promoted.size(),
          DELETED,
          (converged - t0) / 1e9,
          (promotedAt - converged) / 1e9,
          (System.nanoTime() - promotedAt) / 1e9);
    }
    System.out.printf(
        "concurrency: %d rounds, %d guests / %d addresses: %d Running, %d PoolExhausted, +%d after"
            + " %d deletions, %d duplicate addresses%n",
        ROUNDS, GUESTS, POOL, POOL, GUESTS - POOL, DELETED, DELETED, duplicates);
    assertThat(duplicates).isZero();
  }

  /**
   * Waits until exactly {@code running} guests of the round are Running and confirmed by a probe,
   * and exactly {@code exhausted} are Pending with PoolExhausted.
   */
  private static void awaitSplit(String prefix, int running, int exhausted) {
    try {
      await()
          .atMost(CONVERGE)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                List<KvmGuest> all = guests(prefix);
                long steady = all.stream().filter(GuestConcurrencyE2E::steady).count();
                long waiting = all.stream().filter(GuestConcurrencyE2E::exhausted).count();
                return steady == running && waiting == exhausted;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Map<String, Long> byState =
          guests(prefix).stream()
              .collect(
                  Collectors.groupingBy(
                      g ->
                          g.getStatus() == null ? "no status" : String.valueOf(g.getStatus().phase),
                      Collectors.counting()));
      throw new AssertionError(
          "wanted " + running + " Running and " + exhausted + " PoolExhausted, have " + byState, e);
    }
  }

  /**
   * Distinct IPs and MACs among the running guests, each backed by exactly one live qemu with its
   * uuid at the recorded pid, and no other qemu on the host. Returns the duplicate addresses.
   */
  private static int checkRunning(List<KvmGuest> running, int expected) {
    assertThat(running).hasSize(expected);
    List<String> ips = running.stream().map(g -> g.getStatus().ip).toList();
    List<String> macs = running.stream().map(g -> g.getStatus().mac).toList();
    int duplicates =
        (ips.size() - new HashSet<>(ips).size()) + (macs.size() - new HashSet<>(macs).size());
    assertThat(ips).doesNotContainNull().doesNotHaveDuplicates();
    assertThat(macs).doesNotContainNull().doesNotHaveDuplicates();
    Map<Long, String> qemu = QemuProcesses.below(env.workRoot);
    Map<String, Long> pidByUuid =
        qemu.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey, (a, b) -> -1L));
    assertThat(qemu).as("one live qemu per running guest, no other").hasSize(expected);
    for (KvmGuest g : running) {
      assertThat(pidByUuid.get(g.getMetadata().getUid()))
          .as("qemu of " + g.getMetadata().getName())
          .isEqualTo((long) g.getStatus().pid);
    }
    return duplicates;
  }

  /** Deletes every guest of the round; then no qemu and no guest directory may be left. */
  private static void cleanUp(String prefix) {
    guests(prefix).forEach(g -> env.client.resource(g).delete());
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> guests(prefix).isEmpty());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                QemuProcesses.below(env.workRoot).isEmpty()
                    && HostAudit.guestDirs(env.guestsDir("busy")).isEmpty());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              KvmHost h =
                  env.client
                      .resources(KvmHost.class)
                      .inNamespace(E2EEnvironment.NS)
                      .withName("busy")
                      .get();
              return h.getStatus().phase == HostPhase.Ready
                  && h.getStatus().pool != null
                  && h.getStatus().pool.allocated == 0;
            });
  }

  private static boolean steady(KvmGuest g) {
    return g.getStatus() != null
        && g.getStatus().phase == GuestPhase.Running
        && reason(g, Conditions.PROCESS_RUNNING).equals("Running");
  }

  private static boolean exhausted(KvmGuest g) {
    return g.getStatus() != null
        && g.getStatus().phase == GuestPhase.Pending
        && reason(g, Conditions.ADDRESS_ASSIGNED).equals("PoolExhausted")
        && g.getStatus().ip == null;
  }

  private static String reason(KvmGuest g, String type) {
    return g.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .map(Condition::getReason)
        .findFirst()
        .orElse("");
  }

  private static List<KvmGuest> guests(String prefix) {
    return env.guestsNamed(prefix);
  }

  private static List<KvmGuest> phase(String prefix, GuestPhase phase) {
    return new ArrayList<>(
        guests(prefix).stream()
            .filter(g -> g.getStatus() != null && g.getStatus().phase == phase)
            .toList());
  }

  private static Set<String> names(List<KvmGuest> guests) {
    return guests.stream()
        .map(g -> g.getMetadata().getName())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
