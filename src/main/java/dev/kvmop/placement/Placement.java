package dev.kvmop.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a guest goes (pure). A host fits when it matches the guest's selector, is Ready, is not
 * cordoned, has the bridge a Bridge guest needs, is under maxGuests, has the guest's address in its
 * pool, and keeps its guests' cpus and memory, this guest's included, within capacity x overcommit.
 * Among the hosts that fit, the one with the lowest allocated memory fraction wins, then the first
 * by name.
 */
public final class Placement {
  /** The outcome for one guest. */
  public sealed interface Decision {
    record Placed(Candidate host) implements Decision {}

    /**
     * @param failures each host's first failing rule, by host name
     * @param message e.g. {@code 0/4 hosts fit: 1 not Ready, 1 pool exhausted, 2 insufficient
     *     memory}
     */
    record NoFit(Map<String, Rule> failures, String message) implements Decision {}
  }

  private static final Comparator<Candidate> PREFERRED =
      Comparator.comparingDouble(Candidate::memoryFraction).thenComparing(Candidate::name);

  private Placement() {}

  public static Decision choose(Demand guest, List<Candidate> hosts) {
    Map<String, Rule> failures = new TreeMap<>();
    Candidate best = null;
    for (Candidate h : hosts) {
      Optional<Rule> failure = firstFailure(guest, h);
      if (failure.isPresent()) {
        failures.put(h.name(), failure.get());
      } else if (best == null || PREFERRED.compare(h, best) < 0) {
        best = h;
      }
    }
    if (best != null) {
      return new Decision.Placed(best);
    }
    return new Decision.NoFit(failures, summary(guest, hosts, failures));
  }

  /** The first rule {@code host} fails for {@code guest}; empty when the guest fits there. */
  public static Optional<Rule> firstFailure(Demand guest, Candidate host) {
    Resources want = guest.resources();
    Resources after = host.allocated().plus(want);
    Rule failed = null;
    if (!guest.selector().matches(host.labels())) {
      failed = Rule.SELECTOR;
    } else if (!host.ready()) {
      failed = Rule.NOT_READY;
    } else if (!host.schedulable()) {
      failed = Rule.CORDONED;
    } else if (guest.bridge() && host.networkNotReady()) {
      failed = Rule.NETWORK_NOT_READY;
    } else if (host.maxGuests() > 0 && host.guests() >= host.maxGuests()) {
      failed = Rule.MAX_GUESTS;
    } else if (addressRule(host.address()) != null) {
      failed = addressRule(host.address());
    } else if (after.cpus() > host.cpuLimit()) {
      failed = Rule.INSUFFICIENT_CPU;
    } else if (after.memoryMiB() > host.memoryLimit()) {
      failed = Rule.INSUFFICIENT_MEMORY;
    }
    return Optional.ofNullable(failed);
  }

  private static Rule addressRule(AddressCheck check) {
    return switch (check) {
      case NOT_NEEDED, FREE -> null;
      case REQUESTED_NOT_IN_POOL -> Rule.REQUESTED_ADDRESS_NOT_IN_POOL;
      case REQUESTED_TAKEN -> Rule.REQUESTED_ADDRESS_TAKEN;
      case EXHAUSTED, UNKNOWN -> Rule.POOL_EXHAUSTED;
    };
  }

  /**
   * Why one named host does not take the guest, for a guest that names it (spec.hostRef): e.g.
   * {@code KvmHost node-a: insufficient memory: the guest asks for 512Mi, 768Mi of 1Gi (capacity
   * 1Gi x overcommit 1.0) are taken}.
   */
  public static String detail(Rule rule, Demand guest, Candidate host) {
    String at = "KvmHost " + host.name();
    Resources want = guest.resources();
    return switch (rule) {
      case CORDONED -> at + " is cordoned (spec.schedulable is false)";
      case INSUFFICIENT_CPU ->
          at
              + ": insufficient cpu: the guest asks for "
              + want.cpus()
              + ", "
              + host.allocated().cpus()
              + " of "
              + host.cpuLimit()
              + " (capacity "
              + host.capacity().cpus()
              + " x overcommit "
              + host.cpuOvercommit()
              + ") are taken";
      case INSUFFICIENT_MEMORY ->
          at
              + ": insufficient memory: the guest asks for "
              + Resources.memoryText(want.memoryMiB())
              + ", "
              + Resources.memoryText(host.allocated().memoryMiB())
              + " of "
              + Resources.memoryText(host.memoryLimit())
              + " (capacity "
              + Resources.memoryText(host.capacity().memoryMiB())
              + " x overcommit "
              + host.memoryOvercommit()
              + ") are taken";
      default -> at + ": " + rule.phrase();
    };
  }

  /** "0/4 hosts fit: 1 not Ready, 1 pool exhausted, 2 insufficient memory", and more. */
  static String summary(Demand guest, List<Candidate> hosts, Map<String, Rule> failures) {
    if (hosts.isEmpty()) {
      return "0/0 hosts fit: no KvmHost in the namespace";
    }
    Map<Rule, Integer> counts = new EnumMap<>(Rule.class);
    failures.values().forEach(r -> counts.merge(r, 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((rule, n) -> parts.add(n + " " + rule.phrase()));
    return "0/" + hosts.size() + " hosts fit: " + String.join(", ", parts) + tooBig(guest, hosts);
  }

  /** When even the largest Ready host the selector allows is too small, says so. */
  private static String tooBig(Demand guest, List<Candidate> hosts) {
    List<Candidate> usable =
        hosts.stream().filter(h -> h.ready() && guest.selector().matches(h.labels())).toList();
    if (usable.isEmpty()) {
      return "";
    }
    long cpus = usable.stream().mapToLong(Candidate::cpuLimit).max().orElse(0);
    long memory = usable.stream().mapToLong(Candidate::memoryLimit).max().orElse(0);
    Resources want = guest.resources();
    List<String> parts = new ArrayList<>();
    if (want.cpus() > cpus) {
      parts.add(
          want.cpus()
              + (want.cpus() == 1 ? " cpu" : " cpus")
              + " (the most a host takes is "
              + cpus
              + ")");
    }
    if (want.memoryMiB() > memory) {
      parts.add(
          Resources.memoryText(want.memoryMiB())
              + " memory (the most a host takes is "
              + Resources.memoryText(memory)
              + ")");
    }
    return parts.isEmpty() ? "" : "; no host is big enough for " + String.join(" and ", parts);
  }
}
