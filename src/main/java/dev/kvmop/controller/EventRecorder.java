package dev.kvmop.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits core/v1 Events. A repeat of the same reason and message on the same object bumps the count
 * of the existing Event instead of creating a new one, as kubelet does.
 */
public class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "kvm-operator";

  private final KubernetesClient client;
  private final Clock clock;

  /**
   * Most repeat counts kept: keys carry message text (pids, addresses), so without a bound they
   * would grow with every crash. The least recently bumped goes first; its next repeat starts a
   * fresh count on the same Event.
   */
  static final int MAX_COUNTED = 4096;

  private final Map<String, Integer> counts =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
              return size() > MAX_COUNTED;
            }
          });

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Forgets the repeat counts of an object that is gone (by uid). */
  public void forget(String uid) {
    String prefix = uid + "/";
    synchronized (counts) {
      counts.keySet().removeIf(k -> k.startsWith(prefix));
    }
  }

  /** Repeat counts kept for objects with this uid, for tests. */
  public int counted(String uid) {
    String prefix = uid + "/";
    synchronized (counts) {
      return (int) counts.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }
  }

  /** Repeat counts kept in all, for tests. */
  public int counted() {
    return counts.size();
  }

  public void normal(HasMetadata about, String reason, String message) {
    emit(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    emit(about, "Warning", reason, message);
  }

  private void emit(HasMetadata about, String type, String reason, String message) {
    String key = about.getMetadata().getUid() + "/" + reason + "/" + message;
    String name =
        about.getMetadata().getName() + "." + Integer.toHexString(key.hashCode() & 0x7fffffff);
    int count = counts.merge(key, 1, Integer::sum);
    String now = StatusConditions.now(clock);
    try {
      if (count == 1) {
        Event event = event(about, name, type, reason, message, now);
        client.v1().events().resource(event).createOr(op -> op.update());
      } else {
        client
            .v1()
            .events()
            .inNamespace(about.getMetadata().getNamespace())
            .withName(name)
            .edit(
                e -> {
                  e.setCount(count);
                  e.setLastTimestamp(now);
                  return e;
                });
      }
    } catch (KubernetesClientException e) {
      // Events are best effort: losing one must never fail a reconcile.
      log.warn(
          "{}/{} event {} not recorded: {}",
          about.getMetadata().getNamespace(),
          about.getMetadata().getName(),
          reason,
          e.getMessage());
    }
  }

  private static Event event(
      HasMetadata about, String name, String type, String reason, String message, String now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(about.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion(about.getApiVersion())
                .withKind(about.getKind())
                .withName(about.getMetadata().getName())
                .withNamespace(about.getMetadata().getNamespace())
                .withUid(about.getMetadata().getUid())
                .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withCount(1)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
