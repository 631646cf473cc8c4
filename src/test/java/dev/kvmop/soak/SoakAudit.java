package dev.kvmop.soak;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.QemuProcesses;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the soak counts, from /proc, the hosts' directories and the API: a guest identity (uuid)
 * with more than one live qemu (a duplicate), an IP or MAC in the status of two guests that may use
 * it (not being deleted, or being deleted with its qemu still alive), and at the end, qemu
 * processes and guest directories that belong to no KvmGuest and guests that deletion did not
 * remove (leaks). Each distinct finding counts once, however often it is seen.
 */
final class SoakAudit {
  private final OperatorRig rig;
  private final PrintStream out;
  private final Set<String> duplicates = new TreeSet<>();
  private final Set<String> heldTwice = new TreeSet<>();
  private final Set<String> leaks = new TreeSet<>();

  SoakAudit(OperatorRig rig, PrintStream out) {
    this.rig = rig;
    this.out = out;
  }

  /** Duplicates and addresses held twice now; any time during the run. */
  void look() throws IOException {
    List<KvmGuest> guests = guests();
    for (int i = 0; i < rig.hosts(); i++) {
      for (Path dir : guestsDirs(i)) {
        QemuProcesses.byUuidBelow(dir)
            .forEach(
                (uuid, pids) -> {
                  if (pids.size() > 1) {
                    note(duplicates, "uuid " + uuid + " has qemu pids " + pids);
                  }
                });
      }
    }
    Map<String, List<String>> holders = new HashMap<>();
    for (KvmGuest g : guests) {
      boolean mayUse =
          g.getMetadata().getDeletionTimestamp() == null
              || !QemuProcesses.qemuWithUuid(g.getMetadata().getUid()).isEmpty();
      if (mayUse && g.getStatus() != null) {
        for (String a : new String[] {g.getStatus().ip, g.getStatus().mac}) {
          if (a != null) {
            holders.computeIfAbsent(a, k -> new ArrayList<>()).add(g.getMetadata().getName());
          }
        }
      }
    }
    holders.forEach(
        (address, names) -> {
          if (names.size() > 1) {
            note(heldTwice, "address " + address + " held by " + names);
          }
        });
  }

  /** Leaks while the guests exist: a qemu or directory of no KvmGuest. */
  void leaksWithGuests() throws IOException {
    List<KvmGuest> guests = guests();
    for (int i = 0; i < rig.hosts(); i++) {
      for (Path dir : guestsDirs(i)) {
        HostAudit audit = HostAudit.of(guests, dir);
        audit.findings().stream()
            .filter(f -> f.contains("has no KvmGuest"))
            .forEach(f -> note(leaks, f));
      }
    }
  }

  /** Leaks after every guest was deleted: guests not gone, and anything left on the hosts. */
  void leaksAfterDeletion(List<String> notGone) throws IOException {
    notGone.forEach(name -> note(leaks, "guest " + name + " not gone after its deletion"));
    for (int i = 0; i < rig.hosts(); i++) {
      for (Path dir : guestsDirs(i)) {
        HostAudit.of(List.of(), dir).findings().forEach(f -> note(leaks, f));
      }
    }
  }

  /** Whether every guest is in a phase it can stay in (nothing in flight). */
  boolean settled() {
    return guests().stream()
        .allMatch(
            g ->
                g.getStatus() != null
                    && g.getMetadata().getDeletionTimestamp() == null
                    && Set.of(
                            GuestPhase.Running,
                            GuestPhase.Stopped,
                            GuestPhase.Failed,
                            GuestPhase.Succeeded,
                            GuestPhase.Pending)
                        .contains(g.getStatus().phase));
  }

  int duplicates() {
    return duplicates.size();
  }

  int heldTwice() {
    return heldTwice.size();
  }

  int leaks() {
    return leaks.size();
  }

  List<KvmGuest> guests() {
    return rig.client().resources(KvmGuest.class).inNamespace(OperatorRig.NS).list().getItems();
  }

  private void note(Set<String> kind, String finding) {
    if (kind.add(finding)) {
      out.println("  FINDING: " + finding);
    }
  }

  /**
   * The directories named guests below the host's workDir (the layout below workDir is the
   * operator's business, so it is searched, not assumed).
   */
  private List<Path> guestsDirs(int host) throws IOException {
    KvmHost h =
        rig.client()
            .resources(KvmHost.class)
            .inNamespace(OperatorRig.NS)
            .withName(OperatorRig.hostName(host))
            .get();
    Path workDir = Path.of(h.getSpec().workDir);
    if (!Files.isDirectory(workDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(workDir, 3)) {
      return s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().equals("guests"))
          .toList();
    } catch (java.io.UncheckedIOException e) {
      return List.of(); // a directory went away during the walk: look again next time
    }
  }
}
