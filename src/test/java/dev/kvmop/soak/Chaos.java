package dev.kvmop.soak;

import dev.kvmop.api.AddressRange;
import dev.kvmop.api.Annotations;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The soak's operations, one at a time at random: guest creates and deletes, reset and restart
 * annotations, an sshd killed (started again seconds later), a host key replaced (the KvmHost's
 * pinned key updated to it seconds later, as an administrator would), the operator stopped or
 * killed and started again. A host under an sshd or key fault gets no second fault until it is
 * restored.
 */
final class Chaos {
  /** Live guests at most: qemu for each, on 2 shared cores. */
  static final int MAX_GUESTS = 10;

  /** Pool addresses per host: more than MAX_GUESTS, so exhaustion is never the bottleneck. */
  static final int POOL = 16;

  private record Restore(long dueNanos, Runnable action, String what) {}

  private final OperatorRig rig;
  private final Random random;
  private final PrintStream out;
  private final List<Restore> restores = new ArrayList<>();
  private final boolean[] disturbed;
  private int created;
  private int operations;

  Chaos(OperatorRig rig, Random random, PrintStream out) {
    this.rig = rig;
    this.random = random;
    this.out = out;
    this.disturbed = new boolean[rig.hosts()];
  }

  /** Gives each host a pool range of its own (10.4h.0.10 upwards), so addresses never overlap. */
  void givePools() {
    for (int i = 0; i < rig.hosts(); i++) {
      AddressRange r = new AddressRange();
      r.first = "10." + (40 + i) + ".0.10";
      r.last = "10." + (40 + i) + ".0." + (9 + POOL);
      r.macPrefix = String.format("52:54:%02x", 0x40 + i);
      editHost(i, spec -> spec.addressRanges = new ArrayList<>(List.of(r)));
    }
  }

  int operations() {
    return operations;
  }

  /** One random operation (and any restore that is due). */
  void step() throws Exception {
    runDueRestores(false);
    int pick = random.nextInt(100);
    List<KvmGuest> guests = live();
    if (pick < 35 && guests.size() < MAX_GUESTS) {
      create();
    } else if (pick < 55 && !guests.isEmpty()) {
      delete(any(guests));
    } else if (pick < 68 && !guests.isEmpty()) {
      annotate(any(guests), Annotations.RESET);
    } else if (pick < 80 && !guests.isEmpty()) {
      annotate(any(guests), Annotations.RESTART);
    } else if (pick < 88) {
      killSshd(random.nextInt(rig.hosts()));
    } else if (pick < 95) {
      changeHostKey(random.nextInt(rig.hosts()));
    } else {
      restartOperator();
    }
  }

  /** Runs the pending restores: the due ones, or all of them ({@code all}, at the end). */
  void runDueRestores(boolean all) {
    long now = System.nanoTime();
    List<Restore> due = restores.stream().filter(r -> all || r.dueNanos() <= now).toList();
    restores.removeAll(due);
    for (Restore r : due) {
      out.println("  restore: " + r.what());
      r.action().run();
    }
  }

  private void create() {
    String name = "soak-" + (++created);
    TestObjects.GuestBuilder g = TestObjects.guest(name).in(OperatorRig.NS).pooled();
    int where = random.nextInt(rig.hosts() + 1);
    if (where < rig.hosts()) {
      g.on(OperatorRig.hostName(where));
    }
    RunStrategy[] strategies = {
      RunStrategy.Always, RunStrategy.Always, RunStrategy.Manual, RunStrategy.RerunOnFailure
    };
    g.runStrategy(strategies[random.nextInt(strategies.length)]);
    client().resource(g.build()).create();
    count("create " + name + (where < rig.hosts() ? " on " + OperatorRig.hostName(where) : ""));
  }

  private void delete(KvmGuest g) {
    client().resources(KvmGuest.class).inNamespace(OperatorRig.NS).withName(name(g)).delete();
    count("delete " + name(g));
  }

  private void annotate(KvmGuest g, String annotation) {
    String token = Long.toString(System.nanoTime(), 36);
    try {
      client()
          .resources(KvmGuest.class)
          .inNamespace(OperatorRig.NS)
          .withName(name(g))
          .edit(
              x -> {
                x.getMetadata().getAnnotations().put(annotation, token);
                return x;
              });
      count(annotation + " " + name(g));
    } catch (KubernetesClientException e) {
      // 409 (the operator wrote it meanwhile) or 404 (gone): not an operation
    }
  }

  private void killSshd(int host) {
    if (disturbed[host]) {
      return;
    }
    disturbed[host] = true;
    OpenSshServer sshd = rig.sshds().get(host);
    sshd.stop();
    count("kill sshd of " + OperatorRig.hostName(host));
    later(
        2 + random.nextInt(15),
        "sshd of " + OperatorRig.hostName(host) + " started",
        () -> {
          sshd.start();
          disturbed[host] = false;
        });
  }

  private void changeHostKey(int host) {
    if (disturbed[host]) {
      return;
    }
    disturbed[host] = true;
    OpenSshServer sshd = rig.sshds().get(host);
    sshd.replaceHostKey();
    count("replace host key of " + OperatorRig.hostName(host));
    later(
        5 + random.nextInt(20),
        "KvmHost " + OperatorRig.hostName(host) + " pins the new key",
        () -> {
          editHost(host, spec -> spec.hostKey = sshd.hostKeyLine());
          disturbed[host] = false;
        });
  }

  /**
   * An edit carries the resourceVersion it read, and the operator writes the host's status at every
   * probe: a 409 means read again and retry, as kubectl edit users do.
   */
  private void editHost(int host, java.util.function.Consumer<KvmHostSpec> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client()
            .resources(KvmHost.class)
            .inNamespace(OperatorRig.NS)
            .withName(OperatorRig.hostName(host))
            .edit(
                h -> {
                  change.accept(h.getSpec());
                  return h;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** The new operator must find every host Ready before the run goes on: faults restored first. */
  private void restartOperator() throws Exception {
    runDueRestores(true);
    boolean kill = random.nextBoolean();
    rig.restartOperator(kill);
    count((kill ? "kill -9" : "stop") + " and start the operator");
  }

  private void later(int seconds, String what, Runnable action) {
    restores.add(new Restore(System.nanoTime() + seconds * 1_000_000_000L, action, what));
  }

  private void count(String what) {
    operations++;
    out.println("  " + operations + ": " + what);
  }

  /** The guests not being deleted. */
  List<KvmGuest> live() {
    return client().resources(KvmGuest.class).inNamespace(OperatorRig.NS).list().getItems().stream()
        .filter(g -> g.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private KvmGuest any(List<KvmGuest> guests) {
    return guests.get(random.nextInt(guests.size()));
  }

  private KubernetesClient client() {
    return rig.client();
  }

  private static String name(KvmGuest g) {
    return g.getMetadata().getName();
  }
}
