package dev.kvmop.testing;

import dev.kvmop.api.KvmGuest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a loopback test host holds compared with its KvmGuests, as counts of violations: the
 * reliability suites' "0 duplicates, 0 leaks".
 *
 * @param guests the host's KvmGuests
 * @param duplicateQemu guest identities (uuids) with more than one live qemu
 * @param addressesHeldTwice IPs and MACs in more than one guest's status
 * @param leakedProcesses live qemu of the host whose uuid belongs to no KvmGuest
 * @param leakedDirs directories under the host's workDir/guests of no KvmGuest
 * @param findings one line per violation, for failure messages
 */
public record HostAudit(
    int guests,
    int duplicateQemu,
    int addressesHeldTwice,
    int leakedProcesses,
    int leakedDirs,
    List<String> findings) {

  public int duplicates() {
    return duplicateQemu + addressesHeldTwice;
  }

  public int leaks() {
    return leakedProcesses + leakedDirs;
  }

  /** Audits host {@code host} of {@code env} (its workDir is local: the host is loopback). */
  public static HostAudit of(E2EEnvironment env, String host) {
    return of(env.guestsOf(host), env.guestsDir(host));
  }

  /**
   * Audits the qemu processes (from /proc) and the directories below {@code guestsDir} against
   * {@code guests}, the KvmGuests of the host.
   */
  public static HostAudit of(List<KvmGuest> guests, Path guestsDir) {
    Set<String> uids = new HashSet<>();
    guests.forEach(g -> uids.add(g.getMetadata().getUid()));
    List<String> findings = new ArrayList<>();
    int duplicateQemu = 0;
    int leakedProcesses = 0;
    for (var e : QemuProcesses.byUuidBelow(guestsDir).entrySet()) {
      if (e.getValue().size() > 1) {
        duplicateQemu++;
        findings.add("uuid " + e.getKey() + " has qemu pids " + e.getValue());
      }
      if (!uids.contains(e.getKey())) {
        leakedProcesses += e.getValue().size();
        findings.add("qemu " + e.getValue() + " of uuid " + e.getKey() + " has no KvmGuest");
      }
    }
    int heldTwice = addressesHeldTwice(guests, findings);
    int leakedDirs = 0;
    for (Path d : guestDirs(guestsDir)) {
      String leaf = d.getFileName().toString();
      if (uids.stream().noneMatch(uid -> leaf.endsWith("_" + uid))) {
        leakedDirs++;
        findings.add("guest directory " + leaf + " has no KvmGuest");
      }
    }
    return new HostAudit(
        guests.size(),
        duplicateQemu,
        heldTwice,
        leakedProcesses,
        leakedDirs,
        List.copyOf(findings));
  }

  /** The guest directories below {@code guestsDir}, sorted (empty when there are none). */
  public static List<Path> guestDirs(Path guestsDir) {
    if (!Files.isDirectory(guestsDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(guestsDir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int addressesHeldTwice(List<KvmGuest> guests, List<String> findings) {
    Map<String, List<String>> holders = new TreeMap<>();
    for (KvmGuest g : guests) {
      if (g.getStatus() != null) {
        for (String a : Arrays.asList(g.getStatus().ip, g.getStatus().mac)) {
          if (a != null) {
            holders.computeIfAbsent(a, k -> new ArrayList<>()).add(g.getMetadata().getName());
          }
        }
      }
    }
    int heldTwice = 0;
    for (var e : holders.entrySet()) {
      if (e.getValue().size() > 1) {
        heldTwice++;
        findings.add("address " + e.getKey() + " held by " + e.getValue());
      }
    }
    return heldTwice;
  }
}
