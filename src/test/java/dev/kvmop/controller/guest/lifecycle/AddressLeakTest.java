package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An allocator built after a guest's deletion, from a cache that still showed the deleted guest,
 * gives its address back once the cache no longer shows it (not only after an operator restart).
 */
@EnableKubernetesMockClient(crud = true)
class AddressLeakTest {
  static final String ADDRESS = "10.0.0.5";
  private static final ObjectMapper JSON = new ObjectMapper();

  KubernetesClient client;
  final FakeHostAgents agents = new FakeHostAgents();
  final HostDirectory directory = new HostDirectory();
  final List<KvmGuest> cache = new CopyOnWriteArrayList<>();
  KvmHost host;

  @Test
  void allocatorBuiltFromAStaleCacheFreesTheAddressOnceTheGuestLeavesIt() {
    host = publish(TestObjects.host("node-a").at(ADDRESS).pool(2).build());
    KvmGuest a = guest("vm-a");
    cache.add(a);
    new GuestLifecycle(services(recorder()), Duration.ofMillis(1)).reconcile(run(a), sink(a));
    assertThat(a.getStatus().ip).isEqualTo("10.0.0.10");

    // A restarted operator: no allocator yet. vm-a is deleted; the release finds no allocator.
    GuestServices restarted = services(recorder());
    GuestLifecycle lifecycle = new GuestLifecycle(restarted, Duration.ofMillis(1));
    a.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(new GuestDeletion(restarted, id -> {}).cleanup(run(a), sink(a))).isEmpty();

    // The cache still shows vm-a when vm-b builds the allocator from it.
    KvmGuest b = guest("vm-b");
    cache.add(b);
    lifecycle.reconcile(run(b), sink(b));
    assertThat(b.getStatus().ip).isEqualTo("10.0.0.11");

    // vm-a leaves the cache: its address is free for vm-c.
    cache.remove(a);
    KvmGuest c = guest("vm-c");
    cache.add(c);
    lifecycle.reconcile(run(c), sink(c));
    assertThat(c.getStatus().phase).isEqualTo(GuestPhase.Running);
    assertThat(c.getStatus().ip).isEqualTo("10.0.0.10");
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
