package dev.kvmop.controller.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Status snapshots and comparisons, so an unchanged host is not written every probe. */
final class StatusCopy {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** lastProbeTime alone is refreshed at most this often, to keep API writes low. */
  static final Duration PROBE_TIME_REFRESH = Duration.ofMinutes(1);

  private StatusCopy() {}

  static KvmHostStatus of(KvmHostStatus status) {
    return status == null ? null : JSON.convertValue(status, KvmHostStatus.class);
  }

  static boolean sameIgnoringProbeTime(
      KvmHostStatus before, KvmHostStatus after, Clock clock, Duration interval) {
    if (before == null) {
      return false;
    }
    ObjectNode a = JSON.valueToTree(before);
    ObjectNode b = JSON.valueToTree(after);
    JsonNode probed = a.remove("lastProbeTime");
    b.remove("lastProbeTime");
    if (!a.equals(b)) {
      return false;
    }
    if (after.lastProbeTime == null || probed == null || probed.isNull()) {
      return probed == null && after.lastProbeTime == null;
    }
    Duration refresh = interval.compareTo(PROBE_TIME_REFRESH) > 0 ? interval : PROBE_TIME_REFRESH;
    return Instant.parse(probed.asText()).plus(refresh).isAfter(Instant.now(clock));
  }

  /**
   * A new object carrying only identity and status: what server-side apply of the status needs, and
   * what JOSDK copies status from in the non-SSA mode.
   */
  static KvmHost freshWithStatus(KvmHost host) {
    KvmHost fresh = new KvmHost();
    fresh.setMetadata(
        new ObjectMetaBuilder()
            .withName(host.getMetadata().getName())
            .withNamespace(host.getMetadata().getNamespace())
            .build());
    fresh.setStatus(host.getStatus());
    return fresh;
  }
}
