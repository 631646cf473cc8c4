package dev.kvmop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The rule groups of the shipped PrometheusRule ({@code deploy/prometheusrule.yaml}) as a plain
 * Prometheus rule file, which is what the Prometheus Operator hands to Prometheus.
 */
public final class AlertRules {
  public static final Path SHIPPED = Path.of("deploy/prometheusrule.yaml");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final JsonNode groups;

  private AlertRules(JsonNode groups) {
    this.groups = groups;
  }

  public static AlertRules shipped() {
    return load(SHIPPED);
  }

  public static AlertRules load(Path prometheusRule) {
    try {
      return new AlertRules(YAML.readTree(prometheusRule.toFile()).path("spec").path("groups"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The alert names, in file order. */
  public List<String> alertNames() {
    List<String> names = new ArrayList<>();
    for (JsonNode g : groups) {
      for (JsonNode r : g.path("rules")) {
        if (r.hasNonNull("alert")) {
          names.add(r.path("alert").asText());
        }
      }
    }
    return names;
  }

  /** The alert's {@code for} duration as written, e.g. "5m". */
  public String forOf(String alert) {
    return rule(alert).path("for").asText();
  }

  public String exprOf(String alert) {
    return rule(alert).path("expr").asText();
  }

  /** The labels the alert's annotations print ({@code $labels.X}). */
  public java.util.Set<String> labelsInAnnotations(String alert) {
    java.util.Set<String> labels = new java.util.TreeSet<>();
    var m =
        java.util.regex.Pattern.compile("\\$labels\\.([A-Za-z_][A-Za-z0-9_]*)")
            .matcher(rule(alert).path("annotations").toString());
    while (m.find()) {
      labels.add(m.group(1));
    }
    return labels;
  }

  /**
   * A copy with every alert's {@code for} set to {@code duration}: an end-to-end test cannot wait
   * the shipped 5 to 15 minutes per alert. Expressions, labels and annotations stay as shipped.
   */
  public AlertRules withFor(String duration) {
    JsonNode copy = groups.deepCopy();
    for (JsonNode g : copy) {
      for (JsonNode r : g.path("rules")) {
        if (r.hasNonNull("alert")) {
          ((ObjectNode) r).put("for", duration);
        }
      }
    }
    return new AlertRules(copy);
  }

  /** Writes a Prometheus rule file ({@code groups: ...}). */
  public Path write(Path file) {
    try {
      ObjectNode root = YAML.createObjectNode();
      root.set("groups", groups);
      YAML.writeValue(file.toFile(), root);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode rule(String alert) {
    for (JsonNode g : groups) {
      for (JsonNode r : g.path("rules")) {
        if (alert.equals(r.path("alert").asText())) {
          return r;
        }
      }
    }
    throw new IllegalArgumentException("no alert " + alert + " in the rules");
  }
}
