package dev.kvmop.controller.guest.lifecycle;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this operator process last launched each guest (by uid): older probes are stale. A deleted
 * guest is forgotten ({@link GuestServices#forget}).
 */
final class LaunchTimes {
  private final Map<String, Instant> launched = new ConcurrentHashMap<>();

  void launched(String uid, Instant at) {
    launched.put(uid, at);
  }

  /** The last launch of the guest by this process, or null. */
  Instant last(String uid) {
    return launched.get(uid);
  }

  void forget(String uid) {
    launched.remove(uid);
  }

  /** Guests with a launch on record, for tests. */
  int size() {
    return launched.size();
  }
}
