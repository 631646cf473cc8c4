package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * What the real API server does with {@code Secret.stringData} and the CRUD mock does not: moves it
 * into {@code data}, base64-encoded. Works on whole objects and on merge patches (a null entry
 * removes the key).
 */
final class SecretStringData {
  private SecretStringData() {}

  /** Returns true if {@code body} had stringData and was rewritten in place. */
  static boolean fold(JsonNode body) {
    if (!(body instanceof ObjectNode obj) || !obj.has("stringData")) {
      return false;
    }
    JsonNode stringData = obj.remove("stringData");
    if (!stringData.isObject()) {
      return true;
    }
    JsonNode existing = obj.get("data");
    ObjectNode data = existing instanceof ObjectNode o ? o : obj.putObject("data");
    for (Iterator<Map.Entry<String, JsonNode>> it = stringData.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        data.putNull(e.getKey());
      } else {
        data.put(
            e.getKey(),
            Base64.getEncoder()
                .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8)));
      }
    }
    return true;
  }
}
