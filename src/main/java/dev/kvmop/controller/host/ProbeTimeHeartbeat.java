package dev.kvmop.controller.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmop.api.KvmHostStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * lastProbeTime alone is refreshed at most every {@link #REFRESH} (or every probe interval, when
 * that is longer): a steady host whose status is otherwise unchanged then costs no API write per
 * probe. Taken from the status as a reconcile received it; {@link #settle} puts the received time
 * back when nothing else changed and it is recent enough, so the status writer finds nothing to
 * write.
 */
final class ProbeTimeHeartbeat {
  static final Duration REFRESH = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FIELD = "lastProbeTime";

  private final ObjectNode receivedWithoutTime;
  private final String receivedTime;

  ProbeTimeHeartbeat(KvmHostStatus received) {
    this.receivedWithoutTime = received == null ? null : withoutTime(received);
    this.receivedTime = received == null ? null : received.lastProbeTime;
  }

  /** Keeps the received lastProbeTime in {@code status} when only it changed and it is fresh. */
  void settle(KvmHostStatus status, Instant now, Duration interval) {
    if (receivedTime == null
        || status.lastProbeTime == null
        || !Objects.equals(receivedWithoutTime, withoutTime(status))) {
      return;
    }
    Duration refresh = interval.compareTo(REFRESH) > 0 ? interval : REFRESH;
    if (Instant.parse(receivedTime).plus(refresh).isAfter(now)) {
      status.lastProbeTime = receivedTime;
    }
  }

  private static ObjectNode withoutTime(KvmHostStatus status) {
    ObjectNode tree = JSON.valueToTree(status);
    tree.remove(FIELD);
    return tree;
  }
}
