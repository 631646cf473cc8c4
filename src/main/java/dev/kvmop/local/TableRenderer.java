package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders objects as a {@code meta.k8s.io/v1 Table}, the server-side printing that {@code kubectl
 * get} asks for. Custom resources use their CRD's additionalPrinterColumns; everything else gets
 * NAME and AGE, like a CRD without printer columns.
 */
final class TableRenderer {
  private final ObjectMapper mapper;
  private final Clock clock;

  TableRenderer(ObjectMapper mapper, Clock clock) {
    this.mapper = mapper;
    this.clock = clock;
  }

  /**
   * @param body a single object or a list ({@code items})
   * @param printerColumns the CRD version's additionalPrinterColumns; empty for NAME/AGE
   * @param fullObject whether rows carry the object ({@code includeObject=Object}) or only its
   *     metadata
   */
  ObjectNode render(JsonNode body, List<JsonNode> printerColumns, boolean fullObject) {
    List<JsonNode> columns = new ArrayList<>(printerColumns);
    if (columns.isEmpty()) {
      columns.add(column("Age", ".metadata.creationTimestamp", "date", 0));
    }
    ObjectNode table = mapper.createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = table.putObject("metadata");
    JsonNode rv = body.path("metadata").path("resourceVersion");
    if (rv.isTextual()) {
      meta.put("resourceVersion", rv.asText());
    }
    ArrayNode defs = table.putArray("columnDefinitions");
    defs.addObject()
        .put("name", "Name")
        .put("type", "string")
        .put("format", "name")
        .put("description", "Name of the object")
        .put("priority", 0);
    for (JsonNode c : columns) {
      defs.addObject()
          .put("name", c.path("name").asText())
          .put("type", c.path("type").asText("string"))
          .put("format", c.path("format").asText(""))
          .put("description", c.path("description").asText(""))
          .put("priority", c.path("priority").asInt(0));
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.get("items").forEach(items::add);
    } else {
      items.add(body);
    }
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      for (JsonNode c : columns) {
        cells.add(cell(item, c));
      }
      row.set("object", fullObject ? item : partial(item));
    }
    return table;
  }

  private JsonNode cell(JsonNode item, JsonNode column) {
    List<JsonNode> values = JsonPathLite.eval(item, column.path("jsonPath").asText());
    if (values.isEmpty()) {
      return mapper.nullNode();
    }
    String type = column.path("type").asText("string");
    if (values.size() == 1) {
      JsonNode v = values.get(0);
      if (type.equals("date") && v.isTextual()) {
        return mapper.getNodeFactory().textNode(age(v.asText()));
      }
      if (v.isValueNode()) {
        return v;
      }
      return mapper.getNodeFactory().textNode(v.toString());
    }
    return mapper
        .getNodeFactory()
        .textNode(
            values.stream()
                .map(v -> v.isValueNode() ? v.asText() : v.toString())
                .collect(Collectors.joining(",")));
  }

  private ObjectNode partial(JsonNode item) {
    ObjectNode p = mapper.createObjectNode();
    p.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    p.set("metadata", item.path("metadata").deepCopy());
    return p;
  }

  String age(String timestamp) {
    try {
      Duration d = Duration.between(Instant.parse(timestamp), clock.instant());
      return humanDuration(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
  }

  /** Like k8s.io/apimachinery duration.HumanDuration, to the precision kubectl shows. */
  static String humanDuration(Duration d) {
    long s = d.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (h < 24 * 8) {
      return h % 24 == 0 ? days + "d" : days + "d" + (h % 24) + "h";
    }
    if (days < 365 * 2) {
      return days + "d";
    }
    long y = days / 365;
    return days % 365 == 0 ? y + "y" : y + "y" + (days % 365) + "d";
  }

  private ObjectNode column(String name, String jsonPath, String type, int priority) {
    ObjectNode c = mapper.createObjectNode();
    c.put("name", name).put("jsonPath", jsonPath).put("type", type).put("priority", priority);
    return c;
  }
}
