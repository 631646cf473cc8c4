package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Objects that left the store, so HTTP watches (kubectl delete and wait) get their DELETED event.
 * The CRUD mock only tells its own websocket watchers; a polling watch sees a vanished object
 * merely as absent from the list.
 */
final class Tombstones {
  private static final int KEEP = 1000;

  private record Tombstone(ResourcePath where, JsonNode object, long resourceVersion) {}

  private final Deque<Tombstone> recent = new ArrayDeque<>();

  /**
   * Records that the object last seen as {@code object} is gone; returns its final state (no
   * finalizers left, a newer resourceVersion), which is also what the API answers the write with.
   */
  synchronized JsonNode buried(ResourcePath where, JsonNode object) {
    ObjectNode copy = object.deepCopy();
    long rv = resourceVersion(object) + 1;
    ObjectNode metadata = (ObjectNode) copy.path("metadata");
    metadata.put("resourceVersion", Long.toString(rv));
    metadata.remove("finalizers");
    recent.addLast(new Tombstone(where, copy, rv));
    if (recent.size() > KEEP) {
      recent.removeFirst();
    }
    return copy;
  }

  /** DELETED events for the watched collection newer than {@code sinceRv}, one per line. */
  synchronized String events(
      ObjectMapper mapper, ResourcePath watched, FieldSelector selector, long sinceRv) {
    StringBuilder out = new StringBuilder();
    List<Tombstone> all = new ArrayList<>(recent);
    for (Tombstone t : all) {
      boolean sameCollection =
          t.where().group().equals(watched.group())
              && t.where().plural().equals(watched.plural())
              && (watched.namespace() == null
                  || Objects.equals(watched.namespace(), t.where().namespace()));
      if (sameCollection
          && t.resourceVersion() > sinceRv
          && (selector == null || selector.matches(t.object()))) {
        ObjectNode event = mapper.createObjectNode().put("type", "DELETED");
        event.set("object", t.object());
        out.append(event).append('\n');
      }
    }
    return out.toString();
  }

  static long resourceVersion(JsonNode object) {
    try {
      return Long.parseLong(object.path("metadata").path("resourceVersion").asText("0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
