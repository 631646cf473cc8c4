package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.qemu.MemoryQuantity;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.QemuProcesses;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** What {@link PlacementE2E} creates, waits for and counts, over the hosts node-0 .. node-N. */
final class PlacementChecks {
  /** Counts over the guests of a round. */
  record Audit(int running, int unschedulable, int overCapacity, int heldTwice) {}

  private final E2EEnvironment env;
  private final int hosts;

  PlacementChecks(E2EEnvironment env, int hosts) {
    this.env = env;
    this.hosts = hosts;
  }

  static String host(int h) {
    return "node-" + h;
  }

  /** Waits until the guest runs (confirmed by a probe); returns its host, where its qemu runs. */
  String runningOn(String name) {
    KvmGuest g = env.awaitSteady(name);
    String host = g.getStatus().host;
    assertThat(QemuProcesses.byUuidBelow(env.guestsDir(host)))
        .as(name + ": its qemu on " + host)
        .containsKey(uid(g));
    return host;
  }

  void awaitUnschedulable(String name, String message) {
    KvmGuest g =
        env.awaitGuest(
            name,
            x ->
                x.getStatus().phase == GuestPhase.Pending
                    && "Unschedulable".equals(scheduled(x).getReason())
                    && message.equals(scheduled(x).getMessage()));
    assertThat(g.getStatus().host).isNull();
  }

  int unschedulableEvents(String name) {
    return env.events(name).stream()
        .filter(e -> "Unschedulable".equals(e.getReason()))
        .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }

  void editHost(String name, Consumer<KvmHost> change) {
    env.client
        .resources(KvmHost.class)
        .inNamespace(E2EEnvironment.NS)
        .withName(name)
        .edit(
            h -> {
              change.accept(h);
              return h;
            });
  }

  /** {@code n} pooled 16Mi guests without hostRef or selector, created in parallel. */
  void createAtOnce(String prefix, int n) {
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i ->
                env.client
                    .resource(TestObjects.guest(prefix + i).pooled().grace(0).build())
                    .create());
  }

  /** Exactly {@code running} guests Running (probe-confirmed), {@code waiting} Unschedulable. */
  void awaitSplit(String prefix, int running, int waiting, Duration timeout) {
    try {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                List<KvmGuest> all = env.guestsNamed(prefix);
                return all.stream().filter(PlacementChecks::steady).count() == running
                    && all.stream().filter(PlacementChecks::unschedulable).count() == waiting;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Map<String, Long> byState =
          env.guestsNamed(prefix).stream()
              .collect(
                  Collectors.groupingBy(
                      g ->
                          g.getStatus() == null
                              ? "no status"
                              : g.getStatus().phase + "/" + scheduled(g).getReason(),
                      TreeMap::new,
                      Collectors.counting()));
      throw new AssertionError(
          "wanted " + running + " Running and " + waiting + " Unschedulable, have " + byState, e);
    }
  }

  /**
   * The guests named {@code prefix}*: how many run and wait, and over every host: hosts whose
   * placed guests (any phase) or live qemu exceed {@code perHost} or whose memory exceeds capacity,
   * and addresses (IP or MAC) in more than one guest's status.
   */
  Audit audit(String prefix, int perHost) {
    List<KvmGuest> mine = env.guestsNamed(prefix);
    List<KvmGuest> all = env.guestsNamed("");
    int over = 0;
    for (int h = 0; h < hosts; h++) {
      String name = host(h);
      KvmHost host = env.getHost(name);
      long limit = MemoryQuantity.toMebibytes(host.getSpec().capacity.memory);
      List<KvmGuest> placed = all.stream().filter(g -> name.equals(placedOn(g))).toList();
      long memory =
          placed.stream().mapToLong(g -> MemoryQuantity.toMebibytes(g.getSpec().memory)).sum();
      if (placed.size() > perHost
          || memory > limit
          || QemuProcesses.byUuidBelow(env.guestsDir(name)).size() > perHost) {
        over++;
      }
    }
    Set<String> seen = new HashSet<>();
    int twice = 0;
    for (KvmGuest g : all) {
      if (g.getStatus() != null && g.getStatus().ip != null) {
        twice += seen.add(g.getStatus().ip) ? 0 : 1;
        twice += seen.add(g.getStatus().mac) ? 0 : 1;
      }
    }
    return new Audit(
        (int) mine.stream().filter(PlacementChecks::steady).count(),
        (int) mine.stream().filter(PlacementChecks::unschedulable).count(),
        over,
        twice);
  }

  /** Host by guest name, of the guests named {@code prefix}*. */
  Map<String, String> placements(String prefix) {
    Map<String, String> out = new HashMap<>();
    env.guestsNamed(prefix).forEach(g -> out.put(g.getMetadata().getName(), placedOn(g)));
    return out;
  }

  /**
   * Guests placed twice: whose status.host is not the one first recorded, or whose uuid has a qemu
   * (or more than one) anywhere but there.
   */
  int placedTwice(Map<String, String> recorded) {
    Map<String, Map<String, List<Long>>> qemuByHost = new HashMap<>();
    for (int h = 0; h < hosts; h++) {
      qemuByHost.put(host(h), QemuProcesses.byUuidBelow(env.guestsDir(host(h))));
    }
    int twice = 0;
    for (var e : recorded.entrySet()) {
      KvmGuest g = env.get(e.getKey());
      boolean moved = !e.getValue().equals(placedOn(g));
      long elsewhere =
          qemuByHost.entrySet().stream()
              .filter(q -> !q.getKey().equals(e.getValue()))
              .filter(q -> q.getValue().containsKey(uid(g)))
              .count();
      List<Long> there = qemuByHost.get(e.getValue()).getOrDefault(uid(g), List.of());
      if (moved || elsewhere > 0 || there.size() > 1) {
        twice++;
      }
    }
    return twice;
  }

  List<String> names(String prefix, GuestPhase phase) {
    return env.guestsNamed(prefix).stream()
        .filter(g -> g.getStatus() != null && g.getStatus().phase == phase)
        .map(g -> g.getMetadata().getName())
        .toList();
  }

  void deleteRunning(String prefix, int n) {
    List<KvmGuest> victims =
        env.guestsNamed(prefix).stream().filter(PlacementChecks::steady).limit(n).toList();
    victims.forEach(v -> env.client.resource(v).delete());
    victims.forEach(v -> env.awaitGone(v.getMetadata().getName()));
  }

  /** Deletes the guests named {@code prefix}*, without waiting. */
  void deleteNamed(String prefix) {
    env.guestsNamed(prefix).forEach(g -> env.client.resource(g).delete());
  }

  /** Deletes the guests named {@code prefix}*; then no qemu and no guest directory is left. */
  void deleteAll(String prefix) {
    deleteNamed(prefix);
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> env.guestsNamed(prefix).isEmpty());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                QemuProcesses.below(env.workRoot).keySet().isEmpty()
                    && IntStream.range(0, hosts)
                        .allMatch(h -> HostAudit.guestDirs(env.guestsDir(host(h))).isEmpty()));
  }

  /** No duplicate qemu, address or leaked process or directory on any host. */
  void assertNoViolations(String when) {
    List<String> findings = new ArrayList<>();
    for (int h = 0; h < hosts; h++) {
      HostAudit.of(env, host(h)).findings().forEach(f -> findings.add(when + ": " + f));
    }
    assertThat(findings).isEmpty();
  }

  private static String placedOn(KvmGuest g) {
    return g == null || g.getStatus() == null ? null : g.getStatus().host;
  }

  static boolean steady(KvmGuest g) {
    return g.getStatus() != null
        && g.getStatus().phase == GuestPhase.Running
        && g.getStatus().conditions.stream()
            .anyMatch(
                c ->
                    Conditions.PROCESS_RUNNING.equals(c.getType())
                        && "Running".equals(c.getReason()));
  }

  static boolean unschedulable(KvmGuest g) {
    return g.getStatus() != null
        && g.getStatus().phase == GuestPhase.Pending
        && GuestHosts.hostName(g) == null
        && "Unschedulable".equals(scheduled(g).getReason());
  }

  private static Condition scheduled(KvmGuest g) {
    return g.getStatus().conditions.stream()
        .filter(c -> Conditions.SCHEDULED.equals(c.getType()))
        .findFirst()
        .orElse(new Condition());
  }

  private static String uid(KvmGuest g) {
    return g.getMetadata().getUid();
  }
}
