package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Placement under 16 concurrent reconciles, against the worst cache there is: one that never shows
 * what was written. 300 guests of 16Mi over 4 hosts of capacity 1Gi (64 guests each) and pools of
 * 80: exactly 256 placed, no host over capacity, no address held twice, no guest launched twice.
 * Some status writes fail and are retried; a restarted operator (fresh ledgers, the cache now
 * showing every write) changes nothing; 20 deletions let exactly 20 waiting guests in.
 */
class PlacementRaceTest {
  static final int HOSTS = 4;
  static final int POOL = 80;
  static final int GUESTS = 300;
  static final int FIT = 64 * HOSTS;
  static final int THREADS = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  final FakeHostAgents agents = new FakeHostAgents();
  final HostDirectory directory = new HostDirectory();
  final List<KvmHost> hosts = new ArrayList<>();
  final Map<String, KvmGuestStatus> written = new ConcurrentHashMap<>();
  final ExecutorService threads = Executors.newFixedThreadPool(THREADS);

  /** What the inventory shows: the guests as created (the stale cache), or as written. */
  volatile List<KvmGuest> cache = new ArrayList<>();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void sixteenThreadsNeverOverfillAHostNorHandOutAnAddressTwice() throws Exception {
    for (int h = 0; h < HOSTS; h++) {
      hosts.add(host("node-" + h, h));
    }
    List<KvmGuest> guests = new ArrayList<>();
    for (int i = 0; i < GUESTS; i++) {
      guests.add(TestObjects.guest("g-" + i).pooled().withUid().build());
    }
    cache = guests;

    // Every fifth placement write is lost: the retry must land on the host and address reserved.
    GuestLifecycle lifecycle = lifecycle();
    AtomicInteger writes = new AtomicInteger();
    Map<String, String> firstChoice = new ConcurrentHashMap<>();
    runAll(
        guests,
        g ->
            reconcile(
                lifecycle,
                g,
                s -> {
                  firstChoice.putIfAbsent(uid(g), s.host == null ? "" : s.host);
                  if (s.phase == GuestPhase.Scheduled && writes.incrementAndGet() % 5 == 0) {
                    throw new IllegalStateException("write lost");
                  }
                }));
    runAll(guests, g -> reconcile(lifecycle, g, s -> {}));
    check(guests, FIT);
    for (KvmGuest g : guests) {
      String first = firstChoice.get(uid(g));
      if (first != null && !first.isEmpty()) {
        assertThat(written.get(uid(g)).host).as("retry of " + name(g)).isEqualTo(first);
      }
    }

    // A restarted operator: nothing in memory, the cache shows every write.
    cache = guests.stream().map(this::asWritten).toList();
    GuestLifecycle restarted = lifecycle();
    Map<String, KvmGuestStatus> before = copy(written);
    runAll(cache, g -> reconcile(restarted, g, s -> {}));
    for (var e : before.entrySet()) {
      if (e.getValue().host != null) {
        assertThat(written.get(e.getKey()).host).isEqualTo(e.getValue().host);
        assertThat(written.get(e.getKey()).ip).isEqualTo(e.getValue().ip);
      }
    }
    check(cache, FIT);

    // 20 placed guests deleted: exactly 20 waiting ones take their room.
    GuestServices services = lastServices;
    GuestDeletion deletion = new GuestDeletion(services, id -> {});
    List<KvmGuest> victims =
        cache.stream().filter(g -> written.get(uid(g)).host != null).limit(20).toList();
    for (KvmGuest v : victims) {
      v.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
      assertThat(deletion.cleanup(new GuestRun(v, Clock.systemUTC()), s -> true)).isEmpty();
    }
    Set<String> gone = new HashSet<>();
    victims.forEach(v -> gone.add(uid(v)));
    List<KvmGuest> remaining = cache.stream().filter(g -> !gone.contains(uid(g))).toList();
    gone.forEach(written::remove);
    List<KvmGuest> waiting =
        remaining.stream().filter(g -> written.get(uid(g)).host == null).toList();
    runAll(waiting, g -> reconcile(restarted, g, s -> {}));
    check(remaining, FIT);
    long promoted = waiting.stream().filter(g -> written.get(uid(g)).host != null).count();
    assertThat(promoted).isEqualTo(20);
  }

  /** Placed count, per-host capacity, addresses once per host, launches on the placed host only. */
  private void check(List<KvmGuest> guests, int placed) {
    Map<String, Integer> perHost = new HashMap<>();
    Set<String> addresses = new HashSet<>();
    int unschedulable = 0;
    for (KvmGuest g : guests) {
      KvmGuestStatus s = written.get(uid(g));
      assertThat(s).as(name(g) + " has a status").isNotNull();
      if (s.host == null) {
        assertThat(s.phase).isEqualTo(GuestPhase.Pending);
        unschedulable++;
        continue;
      }
      perHost.merge(s.host, 1, Integer::sum);
      assertThat(addresses.add(s.host + " " + s.ip)).as("ip " + s.ip + " once").isTrue();
      assertThat(addresses.add(s.host + " " + s.mac)).as("mac " + s.mac + " once").isTrue();
      Set<String> launchedOn = new HashSet<>();
      for (KvmHost h : hosts) {
        if (agents.host(h.getSpec().address).verbs.stream()
            .anyMatch(v -> v.startsWith("launch ") && v.endsWith("_" + uid(g)))) {
          launchedOn.add(h.getMetadata().getName());
        }
      }
      assertThat(launchedOn).as(name(g) + " launched on its host only").containsExactly(s.host);
    }
    assertThat(perHost.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(placed);
    assertThat(perHost.values()).as("guests per host (capacity 64)").allMatch(n -> n <= 64);
    assertThat(unschedulable).isEqualTo(guests.size() - placed);
  }

  private GuestServices lastServices;

  private GuestLifecycle lifecycle() {
    lastServices =
        GuestServices.create(
            agents,
            directory,
            id -> Optional.empty(),
            new EventRecorder(null, Clock.systemUTC()) {
              @Override
              public void normal(HasMetadata about, String reason, String message) {}

              @Override
              public void warning(HasMetadata about, String reason, String message) {}
            },
            new DomainMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC(),
            inventory(),
            new ImageFetches(agents, Clock.systemUTC(), Runnable::run, null, id -> {}));
    return new GuestLifecycle(lastServices, Duration.ofSeconds(1));
  }

  private Inventory inventory() {
    return new ListInventory(() -> cache, () -> hosts);
  }

  private interface Write {
    void seen(KvmGuestStatus s);
  }

  /** One reconcile of {@code g} as received; what it writes is recorded (never in the cache). */
  private void reconcile(GuestLifecycle lifecycle, KvmGuest g, Write hook) {
    StatusSink<KvmGuestStatus> sink =
        s -> {
          hook.seen(s);
          written.put(uid(g), JSON.convertValue(s, KvmGuestStatus.class));
          return true;
        };
    try {
      lifecycle.reconcile(new GuestRun(g, Clock.systemUTC()), sink);
    } catch (IllegalStateException e) {
      // a lost write: the reconcile fails and is retried
    }
  }

  private void runAll(List<KvmGuest> guests, java.util.function.Consumer<KvmGuest> work)
      throws Exception {
    List<Future<?>> done = new ArrayList<>();
    for (KvmGuest g : guests) {
      done.add(threads.submit(() -> work.accept(g)));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  private KvmHost host(String name, int index) {
    String address = "10.0.1." + (index + 1);
    TestObjects.HostBuilder b =
        TestObjects.host(name)
            .at(address)
            .spec(
                s -> {
                  s.capacity.cpus = 64;
                  s.capacity.memory = "1Gi";
                });
    for (int i = 0; i < POOL; i++) {
      b.address(String.format("52:54:00:%02x:00:%02x", index, i), "10.7" + index + ".0." + (i + 1));
    }
    KvmHost h = b.build();
    LifecycleWorld.publishReady(directory, agents, h, address);
    return h;
  }

  private KvmGuest asWritten(KvmGuest g) {
    KvmGuest copy = JSON.convertValue(g, KvmGuest.class);
    copy.setStatus(JSON.convertValue(written.get(uid(g)), KvmGuestStatus.class));
    return copy;
  }

  private static Map<String, KvmGuestStatus> copy(Map<String, KvmGuestStatus> m) {
    Map<String, KvmGuestStatus> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, JSON.convertValue(v, KvmGuestStatus.class)));
    return out;
  }

  private static String uid(KvmGuest g) {
    return g.getMetadata().getUid();
  }

  private static String name(KvmGuest g) {
    return g.getMetadata().getName();
  }
}
