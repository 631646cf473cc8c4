package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.guest.lifecycle.Outcome;
import dev.kvmop.host.HostException;
import dev.kvmop.testing.CrudApi;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.Reconcilers;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every reconcile of a guest, whatever its phase, asks JOSDK to look again within {@link
 * Outcome#RECHECK}: an update JOSDK dropped (java-operator-sdk#3398), such as the deletion of a
 * Failed guest, is then acted on within that bound instead of never.
 */
@EnableKubernetesMockClient(crud = true)
class GuestRecheckTest {
  static final String ADDRESS = "10.0.0.5";
  static final String OTHER = "10.0.0.6";
  static final Duration WAIT = Duration.ofSeconds(30);

  KubernetesClient client;
  FakeHostAgents hosts = new FakeHostAgents();
  Reconcilers operator;

  /** Per guest name: "phase after the reconcile" -> the reschedule delays it asked for (ms). */
  final Map<String, List<String>> looks = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    operator.close();
  }

  @Test
  void everyPhaseIsLookedAtAgainWithinTheRecheck() throws Exception {
    CrudApi.installCrds(client);
    CrudApi.secret(client, "node-ssh", Map.of("ssh-privatekey", "PRIVATE"));
    operator = Reconcilers.hostsAndGuests(client, hosts, this::recording).start();
    host("node-a", ADDRESS);
    host("node-b", OTHER);
    guest("vm-pending", "nowhere", RunStrategy.Always);
    guest("vm-running", "node-a", RunStrategy.Always);
    guest("vm-stopped", "node-a", RunStrategy.Halted);
    guest("vm-failed", "node-a", RunStrategy.Manual);
    guest("vm-succeeded", "node-a", RunStrategy.RerunOnFailure);
    guest("vm-unknown", "node-b", RunStrategy.Always);
    FakeHostAgents.FakeHost a = hosts.host(ADDRESS);
    for (String name : List.of("vm-failed", "vm-succeeded", "vm-running")) {
      awaitPhase(name, GuestPhase.Running);
    }
    awaitPhase("vm-unknown", GuestPhase.Running);
    a.kill(a.dirOf("vm-failed"));
    a.guestShutdown(a.dirOf("vm-succeeded"));
    hosts.host(OTHER).connectFailure =
        new HostException(HostException.Reason.Unreachable, "no route");

    awaitPhase("vm-pending", GuestPhase.Pending);
    awaitPhase("vm-stopped", GuestPhase.Stopped);
    awaitPhase("vm-failed", GuestPhase.Failed);
    awaitPhase("vm-succeeded", GuestPhase.Succeeded);
    awaitPhase("vm-unknown", GuestPhase.Unknown);

    long bound = Outcome.RECHECK.toMillis();
    assertThat(Outcome.RECHECK).isLessThanOrEqualTo(Duration.ofSeconds(60));
    looks.forEach(
        (name, delays) ->
            assertThat(delays)
                .as(name + ": phase=delay of each reconcile")
                .allMatch(d -> !d.endsWith("=none") && delay(d) <= bound));
  }

  /** The production reconciler, recording the reschedule each reconcile asks for. */
  private KvmGuestReconciler recording(Reconcilers r) {
    return new KvmGuestReconciler(hosts, r.directory, r.probes(), r.events, r.metrics, r.clock) {
      @Override
      public UpdateControl<KvmGuest> reconcile(KvmGuest guest, Context<KvmGuest> ctx) {
        UpdateControl<KvmGuest> control = super.reconcile(guest, ctx);
        String name = guest.getMetadata().getName();
        KvmGuest now = client.resources(KvmGuest.class).withName(name).get();
        GuestPhase phase = now == null || now.getStatus() == null ? null : now.getStatus().phase;
        Optional<Long> delay = control.getScheduleDelay();
        looks
            .computeIfAbsent(name, k -> new CopyOnWriteArrayList<>())
            .add(phase + "=" + delay.map(String::valueOf).orElse("none"));
        return control;
      }
    };
  }

  private void awaitPhase(String name, GuestPhase phase) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                looks.getOrDefault(name, List.of()).stream()
                    .anyMatch(d -> d.startsWith(phase + "=")));
  }

  private static long delay(String look) {
    return Long.parseLong(look.substring(look.indexOf('=') + 1));
  }

  private void host(String name, String address) {
    client
        .resource(
            TestObjects.host(name)
                .in(client.getNamespace())
                .at(address)
                .probeEvery(1)
                .pool(4)
                .build())
        .create();
  }

  private void guest(String name, String host, RunStrategy strategy) {
    client
        .resource(
            TestObjects.guest(name)
                .in(client.getNamespace())
                .on(host)
                .network(NetworkType.Bridge)
                .memory("64Mi")
                .runStrategy(strategy)
                .build())
        .create();
  }
}
