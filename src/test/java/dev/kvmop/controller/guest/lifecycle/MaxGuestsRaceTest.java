package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * maxGuests under 16 concurrent reconciles against a cache that never shows what was written: two
 * hosts with maxGuests 3 and room for far more, 20 guests that name node-0 and 20 placed by
 * selector, all released at once. Each host ends with exactly 3 guests, node-1 with selector guests
 * only, and no guest is launched twice.
 */
class MaxGuestsRaceTest {
  static final int THREADS = 16;
  static final int MAX_GUESTS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  final FakeHostAgents agents = new FakeHostAgents();
  final HostDirectory directory = new HostDirectory();
  final List<KvmHost> hosts = new ArrayList<>();
  final Map<String, KvmGuestStatus> written = new ConcurrentHashMap<>();
  final ExecutorService threads = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @RepeatedTest(5)
  void sixteenThreadsNeverPutMoreThanMaxGuestsOnAHost() throws Exception {
    hosts.add(host("node-0", 0));
    hosts.add(host("node-1", 1));
    List<KvmGuest> guests = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      guests.add(TestObjects.guest("named-" + i).on("node-0").pooled().withUid().build());
      guests.add(TestObjects.guest("any-" + i).pooled().withUid().build());
    }
    GuestLifecycle lifecycle = lifecycle(guests);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (KvmGuest g : guests) {
      done.add(
          threads.submit(
              () -> {
                start.await();
                lifecycle.reconcile(
                    new GuestRun(g, Clock.systemUTC()),
                    s -> {
                      written.put(uid(g), JSON.convertValue(s, KvmGuestStatus.class));
                      return true;
                    });
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get();
    }

    Map<String, List<String>> perHost = new HashMap<>();
    for (KvmGuest g : guests) {
      KvmGuestStatus s = written.get(uid(g));
      if (s.host == null) {
        assertThat(s.phase).isEqualTo(GuestPhase.Pending);
        continue;
      }
      perHost.computeIfAbsent(s.host, h -> new ArrayList<>()).add(g.getMetadata().getName());
    }
    assertThat(perHost.get("node-0")).as("node-0's guests").hasSize(MAX_GUESTS);
    assertThat(perHost.get("node-1")).as("node-1's guests").hasSize(MAX_GUESTS);
    assertThat(perHost.get("node-1")).allMatch(n -> n.startsWith("any-"));
    for (KvmHost h : hosts) {
      long launches =
          agents.host(h.getSpec().address).verbs.stream()
              .filter(v -> v.startsWith("launch "))
              .count();
      assertThat(launches).as("launches on " + h.getMetadata().getName()).isEqualTo(MAX_GUESTS);
    }
  }

  private GuestLifecycle lifecycle(List<KvmGuest> cache) {
    GuestServices services =
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
            new ListInventory(() -> cache, () -> hosts),
            new ImageFetches(agents, Clock.systemUTC(), Runnable::run, null, id -> {}));
    return new GuestLifecycle(services, Duration.ofSeconds(1));
  }

  /** Room for 64 guests and 20 addresses: only maxGuests stops the fourth. */
  private KvmHost host(String name, int index) {
    String address = "10.0.2." + (index + 1);
    TestObjects.HostBuilder b =
        TestObjects.host(name)
            .at(address)
            .maxGuests(MAX_GUESTS)
            .spec(
                s -> {
                  s.capacity.cpus = 64;
                  s.capacity.memory = "1Gi";
                });
    for (int i = 0; i < 20; i++) {
      b.address(String.format("52:54:00:%02x:01:%02x", index, i), "10.8" + index + ".0." + (i + 1));
    }
    KvmHost h = b.build();
    LifecycleWorld.publishReady(directory, agents, h, address);
    return h;
  }

  private static String uid(KvmGuest g) {
    return g.getMetadata().getUid();
  }
}
