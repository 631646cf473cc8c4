package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Nothing this process remembers of a guest outlives the guest: after many guests were created, run
 * (Events whose text carries pids) and deleted, no launch time, Event count or address holding of
 * them is left; and an allocator built after a deletion from a cache that still showed the deleted
 * guest gives its address back once the cache no longer shows it.
 */
@EnableKubernetesMockClient(crud = true)
class GuestForgettingTest {
  static final String ADDRESS = "10.0.0.5";
  static final int GUESTS = 40;
  private static final ObjectMapper JSON = new ObjectMapper();

  KubernetesClient client;
  final FakeHostAgents agents = new FakeHostAgents();
  final HostDirectory directory = new HostDirectory();
  final List<KvmGuest> cache = new CopyOnWriteArrayList<>();
  KvmHost host;

  @Test
  void manyGuestsCreatedRunAndDeletedLeaveNothingBehind() {
    host =
        publish(
            TestObjects.host("node-a")
                .at(ADDRESS)
                .pool(GUESTS + 1)
                .spec(
                    s -> {
                      s.capacity.cpus = 64;
                      s.capacity.memory = "4Gi";
                    })
                .build());
    EventRecorder events = new EventRecorder(client, Clock.systemUTC());
    GuestServices services = services(events);
    GuestLifecycle lifecycle = new GuestLifecycle(services, Duration.ofMillis(1));
    List<KvmGuest> guests = new ArrayList<>();
    for (int i = 0; i < GUESTS; i++) {
      KvmGuest g = guest("vm-" + i);
      guests.add(g);
      cache.add(g);
      lifecycle.reconcile(new GuestRun(g, Clock.systemUTC()), sink(g));
      assertThat(g.getStatus().phase).isEqualTo(GuestPhase.Running);
    }
    // One more, refused by the host's guestPolicy (a disk outside allowedPaths): never launched.
    KvmGuest refused = guest("vm-refused");
    KvmGuestSpec.Disk shadow = new KvmGuestSpec.Disk();
    shadow.path = "/etc/shadow";
    shadow.format = "raw";
    refused.getSpec().disks.add(shadow);
    guests.add(refused);
    cache.add(refused);
    lifecycle.reconcile(run(refused), sink(refused));
    assertThat(refused.getStatus().phase).isEqualTo(GuestPhase.Failed);
    assertThat(services.launches().size()).isEqualTo(GUESTS);
    assertThat(services.policyVerdicts().size()).isEqualTo(1);
    assertThat(events.counted(uid(guests.get(0)))).isPositive();

    for (KvmGuest g : guests) {
      g.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
      assertThat(new GuestDeletion(services, id -> {}).cleanup(run(g), sink(g))).isEmpty();
      cache.remove(g);
    }

    assertThat(services.launches().size()).as("launch times").isZero();
    assertThat(services.addresses().holdings()).as("address holdings").isZero();
    assertThat(services.policyVerdicts().size()).as("guestPolicy verdicts").isZero();
    for (KvmGuest g : guests) {
      assertThat(events.counted(uid(g))).as("Event counts of " + name(g)).isZero();
    }
  }

  private KvmGuest guest(String name) {
    KvmGuest g = TestObjects.guest(name).on("node-a").network(NetworkType.User).withUid().build();
    g.setStatus(new KvmGuestStatus());
    return g;
  }

  private static GuestRun run(KvmGuest g) {
    return new GuestRun(g, Clock.systemUTC());
  }

  /** A status write lands on the guest object, which is what the cache holds. */
  private static StatusSink<KvmGuestStatus> sink(KvmGuest g) {
    return s -> {
      g.setStatus(JSON.convertValue(s, KvmGuestStatus.class));
      return true;
    };
  }

  private EventRecorder recorder() {
    return new EventRecorder(client, Clock.systemUTC());
  }

  private GuestServices services(EventRecorder events) {
    return GuestServices.create(
        agents,
        directory,
        id -> Optional.empty(),
        events,
        new DomainMetrics(new SimpleMeterRegistry()),
        Clock.systemUTC(),
        new ListInventory(() -> cache, () -> List.of(host)),
        new ImageFetches(agents, Clock.systemUTC(), Runnable::run, null, id -> {}));
  }

  private KvmHost publish(KvmHost h) {
    LifecycleWorld.publishReady(directory, agents, h, ADDRESS);
    return h;
  }

  private static String uid(KvmGuest g) {
    return g.getMetadata().getUid();
  }

  private static String name(KvmGuest g) {
    return g.getMetadata().getName();
  }
}
