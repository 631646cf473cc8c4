package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Plain-HTTP watches ({@code ?watch=true} without a WebSocket upgrade, as kubectl and client-go
 * send them), which the CRUD mock rejects. Answered by polling: the response lists every matching
 * object whose resourceVersion is newer than the requested one as a MODIFIED event and then ends;
 * with nothing to report it ends after {@link #IDLE}. client-go simply watches again. Deletions are
 * not reported (the store keeps no history); a re-list sees them.
 */
final class PollingWatch {
  static final Duration IDLE = Duration.ofMillis(1500);

  private PollingWatch() {}

  static boolean isHttpWatch(String rawQuery, String upgradeHeader) {
    if (rawQuery == null || upgradeHeader != null) {
      return false;
    }
    return Arrays.asList(rawQuery.split("&")).contains("watch=true")
        || Arrays.asList(rawQuery.split("&")).contains("watch=1");
  }

  /** The list path for a watch path: the same selectors, without watch parameters. */
  static String listPath(String rawPath, String rawQuery) {
    String query =
        Arrays.stream(rawQuery.split("&"))
            .filter(p -> p.startsWith("labelSelector=") || p.startsWith("fieldSelector="))
            .collect(Collectors.joining("&"));
    return query.isEmpty() ? rawPath : rawPath + "?" + query;
  }

  static long requestedResourceVersion(String rawQuery) {
    for (String p : rawQuery.split("&")) {
      if (p.startsWith("resourceVersion=")) {
        try {
          return Long.parseLong(p.substring("resourceVersion=".length()));
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** Newline-delimited watch events for the items of {@code list} newer than {@code sinceRv}. */
  static String events(ObjectMapper mapper, JsonNode list, long sinceRv) {
    StringBuilder out = new StringBuilder();
    for (JsonNode item : list.path("items")) {
      long rv;
      try {
        rv = Long.parseLong(item.path("metadata").path("resourceVersion").asText("0"));
      } catch (NumberFormatException e) {
        rv = Long.MAX_VALUE;
      }
      if (rv > sinceRv) {
        var event = mapper.createObjectNode().put("type", "MODIFIED");
        event.set("object", item);
        out.append(event).append('\n');
      }
    }
    return out.toString();
  }
}
