package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.ExtraArgsPolicy;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the host's guestPolicy said of each guest's spec, per spec generation and policy, so that
 * the host is asked once and not at every reconcile. Forgotten at launch (the next launch asks
 * again) and with the guest.
 */
final class PolicyVerdicts {
  /** What a verdict depends on: the spec's generation and the policy's parts. */
  record Key(Long generation, List<String> allowed, ExtraArgsPolicy extraArgs) {}

  private record Verdict(Key key, List<String> errors) {}

  private final Map<String, Verdict> byUid = new ConcurrentHashMap<>();

  /** The errors found for this key, when the last verdict of the guest was for the same key. */
  Optional<List<String>> of(String uid, Key key) {
    Verdict known = byUid.get(uid);
    return known != null && Objects.equals(known.key(), key)
        ? Optional.of(known.errors())
        : Optional.empty();
  }

  void record(String uid, Key key, List<String> errors) {
    byUid.put(uid, new Verdict(key, List.copyOf(errors)));
  }

  void forget(String uid) {
    byUid.remove(uid);
  }

  int size() {
    return byUid.size();
  }
}
