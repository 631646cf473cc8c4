package dev.kvmop.controller.guest.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.ManualClock;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One guest, its host and everything the lifecycle talks to, with no operator: a stateful fake
 * host, the host directory, probe snapshots taken when the test says so, a clock that moves when
 * the test says so, Events and status writes recorded. {@link #reconcile()} is one reconcile,
 * synchronous; the status it writes becomes the guest's status, as the API and the controller's
 * cache would hold it.
 */
final class LifecycleWorld {
  static final String ADDRESS = "10.0.0.5";
  static final String QEMU = "/usr/bin/qemu-system-x86_64";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A status write, and how many host verbs had run before it. */
  record Write(KvmGuestStatus status, int verbsBefore) {}

  /** The operator "crashes" at a status write: the reconcile ends there. */
  static final class Crash extends RuntimeException {
    Crash() {
      super("crashed at a status write", null, false, false);
    }
  }

  final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:01:00Z"));
  final FakeHostAgents agents = new FakeHostAgents();
  final FakeHostAgents.FakeHost fake = agents.host(ADDRESS);
  final HostDirectory directory = new HostDirectory();
  final Map<String, ProbeSnapshot> snapshots = new HashMap<>();
  final List<String> events = new ArrayList<>();
  final List<Write> writes = new ArrayList<>();
  final List<KvmGuest> others = new ArrayList<>();

  /** Image fetch jobs started and not run yet ({@link #runFetches}): a download in flight. */
  final List<Runnable> fetchJobs = new ArrayList<>();

  /** Secrets by name, as a GET in the guest's namespace finds them. */
  final Map<String, Secret> secrets = new HashMap<>();

  /** Hosts besides {@link #host} (see {@link #addHost}). */
  final List<KvmHost> otherHosts = new ArrayList<>();

  KvmHost host = TestObjects.host("node-a").at(ADDRESS).pool(2).build();
  HostPhase hostPhase = HostPhase.Ready;
  KvmGuest guest =
      TestObjects.guest("vm-a").on("node-a").network(NetworkType.User).withUid().build();

  /** The guests whose stop ended (namespace/name), as the reconciler would wake them. */
  final List<String> woken = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Where stops run: on the reconcile's thread unless {@link #stopsOffThread}. */
  private volatile java.util.concurrent.Executor stopRunner = Runnable::run;

  final StopsInFlight stops;
  private final GuestLifecycle lifecycle;
  private final GuestDeletion deletion;
  private int crashAtWrite = -1;

  LifecycleWorld() {
    EventRecorder recorder =
        new EventRecorder(null, clock) {
          @Override
          public void normal(HasMetadata about, String reason, String message) {
            events.add("Normal " + reason + ": " + message);
          }

          @Override
          public void warning(HasMetadata about, String reason, String message) {
            events.add("Warning " + reason + ": " + message);
          }
        };
    GuestServices services =
        GuestServices.create(
            agents,
            directory,
            id -> Optional.ofNullable(snapshots.get(id)),
            recorder,
            new DomainMetrics(new SimpleMeterRegistry()),
            clock,
            new ListInventory(this::allGuests, this::hosts),
            new ImageFetches(agents, clock, fetchJobs::add, null, id -> {}),
            new StopsInFlight(r -> stopRunner.execute(r), clock));
    stops = services.stops();
    stops.onEnd((namespace, name) -> woken.add(namespace + "/" + name));
    lifecycle = new GuestLifecycle(services, Duration.ofSeconds(1));
    deletion = new GuestDeletion(services, id -> {});
    publishHost();
  }

  // --- the reconcile --------------------------------------------------------------------------

  /** One reconcile of the guest, as the reconciler runs it. */
  Outcome reconcile() {
    try {
      return lifecycle.reconcile(
          new GuestRun(guest, clock, (ns, name) -> Optional.ofNullable(secrets.get(name))), sink());
    } catch (Crash c) {
      return Outcome.awaitEvent();
    }
  }

  /** One cleanup of the deleted guest; empty when the finalizer may go. */
  Optional<Duration> cleanup() {
    return deletion.cleanup(new GuestRun(guest, clock), sink());
  }

  /** Stops run on a thread of their own from now on, as in the operator. */
  void stopsOffThread() {
    stopRunner =
        r -> {
          Thread t = new Thread(r, "test-stop");
          t.setDaemon(true);
          t.start();
        };
  }

  /** The next reconcile halts the operator at its {@code n}th status write (1 = the first). */
  void crashAtWrite(int n) {
    crashAtWrite = writes.size() + n;
  }

  private StatusSink<KvmGuestStatus> sink() {
    return status -> {
      writes.add(new Write(copy(status), fake.verbs.size()));
      guest.setStatus(copy(status));
      if (writes.size() == crashAtWrite) {
        crashAtWrite = -1;
        throw new Crash();
      }
      return true;
    };
  }

  // --- what the test changes ------------------------------------------------------------------

  /** Probes the host now, as the guest probes do every interval. */
  void probe() {
    try {
      snapshots.put(
          hostId(),
          new ProbeSnapshot(
              clock.instant(), agent().probeGuests(host.getSpec().workDir, QEMU), null));
    } catch (HostException e) {
      snapshots.put(hostId(), new ProbeSnapshot(clock.instant(), null, e.getMessage()));
    }
  }

  /** The image fetches started so far run to their end (on the fake host). */
  void runFetches() {
    List<Runnable> jobs = new ArrayList<>(fetchJobs);
    fetchJobs.clear();
    jobs.forEach(Runnable::run);
  }

  /** The last probe failed: the host does not answer. */
  void probeFails() {
    snapshots.put(hostId(), new ProbeSnapshot(clock.instant(), null, "no route to host"));
  }

  void spec(Consumer<KvmGuestSpec> change) {
    change.accept(guest.getSpec());
    guest.getMetadata().setGeneration(guest.getMetadata().getGeneration() + 1);
  }

  void annotate(String key, String value) {
    if (guest.getMetadata().getAnnotations() == null) {
      guest.getMetadata().setAnnotations(new HashMap<>());
    }
    guest.getMetadata().getAnnotations().put(key, value);
  }

  void hostSpec(Consumer<KvmHostSpec> change) {
    change.accept(host.getSpec());
    publishHost();
  }

  void hostPhase(HostPhase phase) {
    hostPhase = phase;
    publishHost();
  }

  void publishHost() {
    publish(host, hostPhase);
  }

  /**
   * Another Ready host of the namespace, on its own fake host at {@code address}, published as the
   * host controller would publish it; {@code change} edits it first.
   */
  KvmHost addHost(String name, String address, Consumer<KvmHost> change) {
    KvmHost h = TestObjects.host(name).at(address).pool(2).build();
    change.accept(h);
    otherHosts.add(h);
    publish(h, HostPhase.Ready);
    return h;
  }

  /** Publishes {@code h} as a Ready host at {@code address}, served by {@code agents}. */
  static void publishReady(
      HostDirectory directory, FakeHostAgents agents, KvmHost h, String address) {
    String id = HostDirectory.hostId(h.getMetadata().getNamespace(), h.getMetadata().getName());
    SshTarget target =
        new SshTarget(id, address, 22, "root", "KEY", null, HostKeyPolicy.Pinned, "key", 8);
    directory.publish(
        new HostDirectory.Entry(
            id, target, h.getSpec(), HostPhase.Ready, agents.host(address).facts, QEMU));
  }

  void publish(KvmHost h, HostPhase phase) {
    String id = HostDirectory.hostId(h.getMetadata().getNamespace(), h.getMetadata().getName());
    String address = h.getSpec().address;
    SshTarget target =
        new SshTarget(id, address, 22, "root", "KEY", null, HostKeyPolicy.Pinned, "key", 8);
    directory.publish(
        new HostDirectory.Entry(id, target, h.getSpec(), phase, agents.host(address).facts, QEMU));
  }

  void delete(Duration ago) {
    guest.getMetadata().setDeletionTimestamp(clock.instant().minus(ago).toString());
  }

  // --- what the test reads ---------------------------------------------------------------------

  KvmGuestStatus status() {
    return guest.getStatus();
  }

  GuestPhase phase() {
    return guest.getStatus() == null ? null : guest.getStatus().phase;
  }

  String dir() {
    return fake.dirOf(guest.getMetadata().getName());
  }

  HostAgent agent() throws HostException {
    return agents.agentFor(directory.get(hostId()).orElseThrow().target());
  }

  /** The guest's host id: where it is placed, else node-a. */
  String hostId() {
    String id = GuestRun.hostId(guest);
    return id.endsWith("/")
        ? HostDirectory.hostId(host().getMetadata().getNamespace(), "node-a")
        : id;
  }

  private KvmHost host() {
    return host != null ? host : TestObjects.host("node-a").build();
  }

  private List<KvmGuest> allGuests() {
    List<KvmGuest> all = new ArrayList<>(others);
    all.add(guest);
    return all;
  }

  private List<KvmHost> hosts() {
    List<KvmHost> all = new ArrayList<>();
    if (host != null) {
      all.add(host);
    }
    all.addAll(otherHosts);
    return all;
  }

  private static KvmGuestStatus copy(KvmGuestStatus s) {
    return JSON.convertValue(s, KvmGuestStatus.class);
  }
}
