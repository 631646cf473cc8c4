package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Deletes every guest between scenarios so the next one starts idle. */
public final class GuestCleanup {
  private GuestCleanup() {}

  /**
   * Deletes every guest and waits until they are gone and their qemu processes ended; re-issues the
   * delete for guests without a deletionTimestamp, and after {@code timeoutSeconds} records the
   * stuck guests, removes their finalizers and kills their qemu so the next scenario starts idle.
   */
  public static void run(
      OperatorRig rig, String scenario, int timeoutSeconds, Consumer<String> notes)
      throws Exception {
    var guests = rig.client().resources(KvmGuest.class).inNamespace(OperatorRig.NS);
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    long nextDelete = 0;
    while (true) {
      List<KvmGuest> left = guests.list().getItems();
      if (left.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        notes.accept(
            scenario
                + ": "
                + left.size()
                + " guests not gone "
                + timeoutSeconds
                + " s after delete (finalizers removed by the bench): "
                + left.stream().map(GuestCleanup::describe).toList());
        for (KvmGuest g : left) {
          guests
              .withName(g.getMetadata().getName())
              .edit(
                  x -> {
                    x.getMetadata().setFinalizers(List.of());
                    return x;
                  });
        }
        break;
      }
      if (System.nanoTime() > nextDelete) {
        boolean first = nextDelete == 0;
        List<String> nudged = new ArrayList<>();
        for (KvmGuest g : left) {
          String name = g.getMetadata().getName();
          if (g.getMetadata().getDeletionTimestamp() == null) {
            guests.withName(name).delete();
          } else if (!first
              && g.getStatus() != null
              && g.getStatus().phase != GuestPhase.Stopping) {
            // Not yet acted on (queued behind other stops, or an event the operator missed): an
            // annotation change is an update event its filter accepts for a guest being deleted.
            try {
              guests
                  .withName(name)
                  .edit(
                      x -> {
                        x.getMetadata()
                            .getAnnotations()
                            .put("bench.kvmop.dev/nudge", Long.toString(System.nanoTime()));
                        return x;
                      });
              nudged.add(name);
            } catch (KubernetesClientException e) {
              // best effort: gone meanwhile (404) or the operator wrote it meanwhile (409)
            }
          }
        }
        if (!nudged.isEmpty()) {
          notes.accept(
              scenario
                  + ": "
                  + nudged.size()
                  + " guests still Running 10 s after their deletion (queued behind other stops,"
                  + " or a missed event); nudged with an annotation change"
                  + (nudged.size() <= 10 ? ": " + nudged : ""));
        }
        nextDelete = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      Thread.sleep(250);
    }
    endLeftoverQemu(rig, scenario, notes);
    rig.tracker().clear();
  }

  private static void endLeftoverQemu(OperatorRig rig, String scenario, Consumer<String> notes)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!rig.liveQemu().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    List<Long> left = rig.liveQemu();
    if (!left.isEmpty()) {
      notes.accept(scenario + ": " + left.size() + " qemu left after delete; killed");
      left.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private static String describe(KvmGuest g) {
    return g.getMetadata().getName()
        + "="
        + (g.getStatus() == null
            ? null
            : g.getStatus().phase
                + " "
                + g.getStatus().conditions.stream()
                    .filter(c -> c.getType().equals("Ready"))
                    .map(c -> c.getReason() + ": " + c.getMessage())
                    .toList());
  }
}
