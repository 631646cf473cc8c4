package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;

/**
 * {@link GuestLifecycleTableTest} rows for placement: guests that name no host (placed by the
 * operator, or Unschedulable with the kube-scheduler style count), and what capacity and cordon do
 * to guests that name their host.
 */
final class PlacementRows {
  static final String NODE_B = "10.0.0.6";

  private PlacementRows() {}

  static List<TableRow> placement() {
    return List.of(
        row("no host named: placed on the only Ready host, launched")
            .given(PlacementRows::anyHost)
            .edges("[*] --> Pending", "Pending --> Scheduled")
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("Scheduled=True/Scheduled", "AddressAssigned=True/Assigned")
            .verbs("launch")
            .check(w -> assertThat(w.status().host).isEqualTo("node-a"))
            .check(PlacementRows::hostAndAddressInTheFirstWrite),
        row("no host named, two hosts: the one with the lower memory fraction")
            .given(PlacementRows::anyHost)
            .given(w -> w.addHost("node-b", NODE_B, h -> {}))
            .given(w -> w.others.add(placed("vm-b", "node-a", "64Mi")))
            .edges("[*] --> Pending", "Pending --> Scheduled")
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .check(w -> assertThat(w.status().host).isEqualTo("node-b"))
            .check(w -> assertThat(w.agents.host(NODE_B).count("launch")).isEqualTo(1)),
        row("hostSelector matches no host: Pending (Unschedulable), one Warning Event")
            .given(PlacementRows::anyHost)
            .given(w -> w.spec(s -> s.hostSelector = rack("z")))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable", "Ready=False/Unschedulable")
            .awaitEvent()
            .check(
                w -> assertThat(message(w)).isEqualTo("0/1 hosts fit: 1 not matching the selector"))
            .check(w -> assertThat(unschedulableEvents(w)).hasSize(1)),
        row("hostSelector: placed on the matching host")
            .given(PlacementRows::anyHost)
            .given(
                w ->
                    w.addHost(
                        "node-b", NODE_B, h -> h.getMetadata().setLabels(Map.of("rack", "b"))))
            .given(w -> w.spec(s -> s.hostSelector = rack("b")))
            .edges("[*] --> Pending", "Pending --> Scheduled")
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .check(w -> assertThat(w.status().host).isEqualTo("node-b")),
        row("no host named, the only host cordoned: Pending (Unschedulable)")
            .given(PlacementRows::anyHost)
            .given(w -> w.hostSpec(s -> s.schedulable = false))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable")
            .check(w -> assertThat(message(w)).isEqualTo("0/1 hosts fit: 1 cordoned")),
        row("cordoned in the KvmHost before the host controller published it: applies at once")
            .given(PlacementRows::anyHost)
            .given(w -> w.host.getSpec().schedulable = false)
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .check(w -> assertThat(message(w)).isEqualTo("0/1 hosts fit: 1 cordoned")),
        row("no host named, the only pool exhausted: Pending (Unschedulable)")
            .given(PlacementRows::anyHost)
            .given(w -> w.hostSpec(s -> s.addresses.remove(1)))
            .given(
                w ->
                    w.others.add(
                        GuestLifecycleTableTest.holder("vm-b", TestObjects.poolEntry(0).ip)))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable")
            .check(w -> assertThat(message(w)).isEqualTo("0/1 hosts fit: 1 pool exhausted"))
            .check(w -> assertThat(w.status().ip).isNull()),
        row("a guest bigger than any host: one clear Unschedulable message")
            .given(PlacementRows::anyHost)
            .given(w -> w.spec(s -> s.memory = "64Gi"))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable")
            .check(
                w ->
                    assertThat(message(w))
                        .isEqualTo(
                            "0/1 hosts fit: 1 insufficient memory; no host is big enough for 64Gi"
                                + " memory (the most a host takes is 15Gi)")),
        row("named host cordoned: waits in Pending (Unschedulable)")
            .given(w -> w.hostSpec(s -> s.schedulable = false))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable")
            .check(
                w ->
                    assertThat(message(w))
                        .isEqualTo("KvmHost node-a is cordoned (spec.schedulable is false)")),
        row("named host without the memory: waits in Pending (Unschedulable)")
            .given(w -> w.hostSpec(s -> s.capacity.memory = "1Gi"))
            .given(w -> w.others.add(placed("vm-b", "node-a", "1000Mi")))
            .given(w -> w.spec(s -> s.memory = "32Mi"))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/Unschedulable")
            .check(
                w ->
                    assertThat(message(w))
                        .isEqualTo(
                            "KvmHost node-a: insufficient memory: the guest asks for 32Mi, 1000Mi"
                                + " of 1Gi (capacity 1Gi x overcommit 1.0) are taken")),
        row("Unschedulable, the host uncordoned: placed and launched")
            .given(PlacementRows::anyHost)
            .given(w -> w.hostSpec(s -> s.schedulable = false))
            .given(LifecycleWorld::reconcile)
            .when(w -> w.hostSpec(s -> s.schedulable = true))
            .edges("Pending --> Scheduled", "Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("launch"));
  }

  /** Reconciles that keep the phase. */
  static List<TableRow> placementKept() {
    return List.of(
        row("Unschedulable again, same message: no second Event, nothing written")
            .given(PlacementRows::anyHost)
            .given(w -> w.hostSpec(s -> s.schedulable = false))
            .given(LifecycleWorld::reconcile)
            .expect(GuestPhase.Pending)
            .awaitEvent()
            .check(w -> assertThat(unschedulableEvents(w)).hasSize(1))
            .check(GuestLifecycleTableTest::lastTwoWritesEqual),
        row("Running guest, its host cordoned: keeps running where it is")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.hostSpec(s -> s.schedulable = false))
            .expect(GuestPhase.Running)
            .conditions("Scheduled=True/Scheduled")
            .requeue(Readiness.RUNNING_RECHECK),
        row("placed guest, selector edited afterwards: stays where it was placed")
            .given(PlacementRows::anyHost)
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.spec(s -> s.hostSelector = rack("z")))
            .expect(GuestPhase.Running)
            .check(w -> assertThat(w.status().host).isEqualTo("node-a")));
  }

  /** The guest names no host: the operator places it. */
  static void anyHost(LifecycleWorld w) {
    w.spec(s -> s.hostRef = null);
  }

  static void hostAndAddressInTheFirstWrite(LifecycleWorld w) {
    KvmGuestStatus first = w.writes.get(0).status();
    assertThat(first.host).isEqualTo("node-a");
    assertThat(first.ip).isEqualTo(TestObjects.poolEntry(0).ip);
    assertThat(w.writes.get(0).verbsBefore()).as("host verbs before the placement write").isZero();
  }

  static io.fabric8.kubernetes.api.model.LabelSelector rack(String rack) {
    return new LabelSelectorBuilder().withMatchLabels(Map.of("rack", rack)).build();
  }

  /** Another guest, placed on {@code host} and taking {@code memory} there. */
  static KvmGuest placed(String name, String host, String memory) {
    KvmGuest g = TestObjects.guest(name).network(NetworkType.None).memory(memory).withUid().build();
    g.setStatus(new KvmGuestStatus());
    g.getStatus().host = host;
    return g;
  }

  static String message(LifecycleWorld w) {
    return StatusConditions.find(w.status().conditions, Conditions.SCHEDULED)
        .orElseThrow()
        .getMessage();
  }

  static List<String> unschedulableEvents(LifecycleWorld w) {
    return w.events.stream().filter(e -> e.contains(" Unschedulable: ")).toList();
  }

  private static TableRow row(String name) {
    return new TableRow(name);
  }
}
